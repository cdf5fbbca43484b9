import type { Document } from 'bson';
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

/** A client entity (of the file or created by the case) whose read preference is `secondary`. */
function usesSecondaryClient(file: SpecFile, test: SpecTest): boolean {
  const definitions = [
    ...(file.content.createEntities ?? []),
    ...test.operations
      .filter((operation) => operation.name === 'createEntities')
      .flatMap((operation) => (operation.arguments?.entities as Document[] | undefined) ?? []),
  ];
  return definitions.some(
    (definition) => definition.client?.uriOptions?.readPreference === 'secondary',
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
  if (usesSecondaryClient(file, test)) {
    return "a client with readPreference 'secondary' cannot connect to a one-member replica set (the Node driver selects a secondary to connect)";
  }
  return undefined;
}
