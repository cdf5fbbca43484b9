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

/** What running the operations of one test needs. */
interface RunState {
  uri: string;
  entities: EntityMap;
  matcher: Matcher;
  internalClient: MongoClient;
  cleanups: Array<() => Promise<void>>;
}

/**
 * Runs one operation and checks its result or error. `nested` (a `withTransaction` callback)
 * throws an expected error on after checking it, so that the callback fails with it.
 */
async function runChecked(
  operation: Document,
  label: string,
  state: RunState,
  nested: boolean,
): Promise<void> {
  const { entities, matcher } = state;
  const objectName = String(operation.object);
  const target = objectName === 'testRunner' ? undefined : entities.get(objectName);
  let result: unknown;
  try {
    result = await runOperation(String(operation.name), {
      entities,
      target,
      args: (operation.arguments as Document | undefined) ?? {},
      onCleanup: (step) => state.cleanups.push(step),
      internalClient: state.internalClient,
      uri: state.uri,
      runNested: (operations) => runAll(operations, `${label} callback`, state, true),
    });
  } catch (error) {
    if (operation.expectError !== undefined) {
      checkExpectedError(operation.expectError as Document, error, matcher);
      // In a callback, neither an expected nor an ignored error stops it from reaching
      // withTransaction (the format's rule for callbacks).
      if (nested) throw error;
      return;
    }
    // The runner's own failures are never an operation's error to ignore.
    if (operation.ignoreResultAndError === true && !(error instanceof RunnerError)) {
      if (nested) throw error;
      return;
    }
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

/** Runs operations in order. */
async function runAll(
  operations: readonly Document[],
  prefix: string,
  state: RunState,
  nested: boolean,
): Promise<void> {
  for (const [index, operation] of operations.entries()) {
    await runChecked(operation, `${prefix}[${index}] ${operation.name}`, state, nested);
  }
}

/** What a case that passed reports besides passing. */
export interface CaseReport {
  /** Commit/abort commands matched without the `wtimeout` the Node driver adds. */
  driverWtimeoutsIgnored: number;
}

/** Runs one unified-format test case against the server at `uri`. */
export async function runSpecTest(
  uri: string,
  file: SpecFile,
  test: SpecTest,
  internalClient: MongoClient,
): Promise<CaseReport> {
  // End whatever a previous case left open (its transactions would hold their locks).
  await internalClient.db('admin').command({ killSessions: [] });
  await loadInitialData(internalClient, file.content.initialData ?? []);
  const entities = await EntityMap.create(uri, file.content.createEntities ?? []);
  const matcher = new Matcher(
    (id) => entities.get(id),
    (id) => entities.sessionLsid(id),
  );
  const state: RunState = { uri, entities, matcher, internalClient, cleanups: [] };
  try {
    await runAll(test.operations, 'operations', state, false);
    for (const entity of entities.clients()) entity.stopRecording();
    const driverWtimeoutsIgnored =
      test.expectEvents === undefined
        ? 0
        : checkExpectedEvents(test.expectEvents, entities, matcher);
    if (test.outcome !== undefined) await checkOutcome(internalClient, test.outcome, matcher);
    return { driverWtimeoutsIgnored };
  } finally {
    for (const cleanup of state.cleanups) await cleanup();
    await entities.close();
  }
}
