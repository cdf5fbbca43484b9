import type { SpecFile, SpecTest } from './spec-files.js';

/** Cases skipped on purpose, each with its reason. */
const NAMED_SKIPS: ReadonlyArray<{ file: string; test: string; reason: string }> = [
  {
    file: 'crud/create-null-ids.json',
    test: 'inserting _id with type null via insertOne',
    reason: 'the Node driver replaces _id: null with a new ObjectId before sending',
  },
  {
    file: 'crud/create-null-ids.json',
    test: 'inserting _id with type null via insertMany',
    reason: 'the Node driver replaces _id: null with a new ObjectId before sending',
  },
  {
    file: 'crud/create-null-ids.json',
    test: 'inserting _id with type null via bulkWrite',
    reason: 'the Node driver replaces _id: null with a new ObjectId before sending',
  },
];

function usesView(test: SpecTest): boolean {
  return test.operations.some(
    (operation) =>
      operation.name === 'createCollection' && operation.arguments?.viewOn !== undefined,
  );
}

function usesListLocalSessions(test: SpecTest): boolean {
  return JSON.stringify(test.operations).includes('"$listLocalSessions"');
}

/** Why the runner skips this case on purpose (beyond `runOnRequirements`), if it does. */
export function deliberateSkip(file: SpecFile, test: SpecTest): string | undefined {
  if (test.skipReason !== undefined) return test.skipReason;
  const named = NAMED_SKIPS.find(
    (skip) => skip.file === file.name && skip.test === test.description,
  );
  if (named !== undefined) return named.reason;
  if (usesView(test)) return 'views are not supported by mongo-emulator';
  if (usesListLocalSessions(test)) return '$listLocalSessions is not supported by mongo-emulator';
  return undefined;
}
