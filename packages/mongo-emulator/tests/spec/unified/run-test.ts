import type { Document } from 'bson';
import type { MongoClient } from 'mongodb';
import { EntityMap } from './entities.js';
import { checkExpectedError } from './expect-error.js';
import { checkExpectedEvents } from './expect-events.js';
import { MatchError, Matcher } from './matcher.js';
import { runOperation } from './operations.js';
import { RunnerError } from './runner-error.js';
import type { SpecFile, SpecTest } from './spec-files.js';

const MAJORITY = { writeConcern: { w: 'majority' as const } };

/** Drops, creates and fills the collections of `initialData` through the runner's own client. */
async function loadInitialData(
  client: MongoClient,
  initialData: readonly Document[],
): Promise<void> {
  for (const data of initialData) {
    const db = client.db(String(data.databaseName));
    const name = String(data.collectionName);
    await db.dropCollection(name, MAJORITY);
    await db.createCollection(name, {
      ...((data.createOptions as Document | undefined) ?? {}),
      ...MAJORITY,
    });
    const documents = data.documents as Document[];
    if (documents.length > 0) await db.collection(name).insertMany(documents, MAJORITY);
  }
}

/** Checks `outcome`: each collection holds exactly these documents, in `_id` order. */
async function checkOutcome(
  client: MongoClient,
  outcome: readonly Document[],
  matcher: Matcher,
): Promise<void> {
  for (const expected of outcome) {
    const actual = await client
      .db(String(expected.databaseName))
      .collection(String(expected.collectionName))
      .find({}, { sort: { _id: 1 }, readConcern: { level: 'local' } })
      .toArray();
    const documents = expected.documents as Document[];
    const path = `outcome ${expected.databaseName}.${expected.collectionName}`;
    if (actual.length !== documents.length) {
      throw new MatchError(
        path,
        `expected ${documents.length} documents, got ${actual.length}: ${JSON.stringify(actual)}`,
      );
    }
    // Outcome documents match exactly: no extra fields, even at the root.
    documents.forEach((document, index) => {
      matcher.match(document, actual[index], { root: false, path: `${path}[${index}]` });
    });
  }
}

/** Runs one operation and checks its result or error. */
async function runChecked(
  operation: Document,
  index: number,
  entities: EntityMap,
  matcher: Matcher,
  internalClient: MongoClient,
  cleanups: Array<() => Promise<void>>,
): Promise<void> {
  const objectName = String(operation.object);
  const target = objectName === 'testRunner' ? undefined : entities.get(objectName);
  const label = `operations[${index}] ${operation.name}`;
  let result: unknown;
  try {
    result = await runOperation(String(operation.name), {
      entities,
      target,
      args: (operation.arguments as Document | undefined) ?? {},
      onCleanup: (step) => cleanups.push(step),
      internalClient,
    });
  } catch (error) {
    if (operation.expectError !== undefined) {
      checkExpectedError(operation.expectError as Document, error, matcher);
      return;
    }
    // The runner's own failures are never an operation's error to ignore.
    if (operation.ignoreResultAndError === true && !(error instanceof RunnerError)) return;
    if (error instanceof Error) error.message = `${label}: ${error.message}`;
    throw error;
  }
  if (operation.expectError !== undefined) {
    throw new MatchError(label, `expected an error, got ${JSON.stringify(result)}`);
  }
  if (operation.expectResult !== undefined) {
    matcher.match(operation.expectResult, result, { path: `${label} result` });
  }
  if (typeof operation.saveResultAsEntity === 'string')
    entities.set(operation.saveResultAsEntity, result);
}

/** Runs one unified-format test case against the server at `uri`. */
export async function runSpecTest(
  uri: string,
  file: SpecFile,
  test: SpecTest,
  internalClient: MongoClient,
): Promise<void> {
  await loadInitialData(internalClient, file.content.initialData ?? []);
  const entities = await EntityMap.create(uri, file.content.createEntities ?? []);
  const matcher = new Matcher((id) => entities.get(id));
  const cleanups: Array<() => Promise<void>> = [];
  try {
    for (const [index, operation] of test.operations.entries()) {
      await runChecked(operation, index, entities, matcher, internalClient, cleanups);
    }
    for (const entity of entities.clients()) entity.stopRecording();
    if (test.expectEvents !== undefined) checkExpectedEvents(test.expectEvents, entities, matcher);
    if (test.outcome !== undefined) await checkOutcome(internalClient, test.outcome, matcher);
  } finally {
    for (const cleanup of cleanups) await cleanup();
    await entities.close();
  }
}
