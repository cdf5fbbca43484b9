import type { Document } from 'bson';
import { ClientSession } from 'mongodb';
import { toDriverOptions } from './arguments.js';
import { MatchError } from './matcher.js';
import type { Handler } from './operations.js';
import { RunnerError } from './runner-error.js';

function session(target: unknown): ClientSession {
  if (!(target instanceof ClientSession))
    throw new RunnerError('the operation needs a session entity');
  return target;
}

/** The unified format's names of the driver's transaction states. */
const TRANSACTION_STATES: Readonly<Record<string, string>> = {
  NO_TRANSACTION: 'none',
  STARTING_TRANSACTION: 'starting',
  TRANSACTION_IN_PROGRESS: 'in_progress',
  TRANSACTION_COMMITTED: 'committed',
  TRANSACTION_COMMITTED_EMPTY: 'committed',
  TRANSACTION_ABORTED: 'aborted',
};

async function collectionExists(
  context: Parameters<Handler>[0],
  databaseName: string,
  collectionName: string,
): Promise<boolean> {
  const found = await context.internalClient
    .db(databaseName)
    .listCollections({ name: collectionName }, { nameOnly: true })
    .toArray();
  return found.length > 0;
}

async function indexNames(
  context: Parameters<Handler>[0],
  databaseName: string,
  collectionName: string,
): Promise<string[]> {
  if (!(await collectionExists(context, databaseName, collectionName))) return [];
  const indexes = await context.internalClient
    .db(databaseName)
    .collection(collectionName)
    .listIndexes()
    .toArray();
  return indexes.map((index) => String(index.name));
}

/** Session, transaction and test-runner assertion operations of the unified format. */
export const sessionHandlers: Record<string, Handler> = {
  async startTransaction({ target, args }) {
    session(target).startTransaction(toDriverOptions(args));
    return undefined;
  },
  async commitTransaction({ target }) {
    await session(target).commitTransaction();
    return undefined;
  },
  async abortTransaction({ target }) {
    await session(target).abortTransaction();
    return undefined;
  },
  async endSession({ target }) {
    await session(target).endSession();
    return undefined;
  },
  async withTransaction({ target, args, runNested }) {
    const { callback, ...options } = args;
    await session(target).withTransaction(
      () => runNested(callback as Document[]),
      toDriverOptions(options),
    );
    return undefined;
  },
  async assertSessionTransactionState({ args }) {
    // The driver keeps the state on its internal `transaction` (the format asserts on it).
    const internal = args.session as unknown as { transaction: { state: string } };
    const state = TRANSACTION_STATES[internal.transaction.state];
    if (state !== args.state) {
      throw new MatchError('assertSessionTransactionState', `expected ${args.state}, got ${state}`);
    }
    return undefined;
  },
  async assertCollectionExists(context) {
    const { databaseName, collectionName } = context.args;
    if (!(await collectionExists(context, String(databaseName), String(collectionName)))) {
      throw new MatchError(
        'assertCollectionExists',
        `${databaseName}.${collectionName} is missing`,
      );
    }
    return undefined;
  },
  async assertCollectionNotExists(context) {
    const { databaseName, collectionName } = context.args;
    if (await collectionExists(context, String(databaseName), String(collectionName))) {
      throw new MatchError('assertCollectionNotExists', `${databaseName}.${collectionName} exists`);
    }
    return undefined;
  },
  async assertIndexExists(context) {
    const { databaseName, collectionName, indexName } = context.args;
    const names = await indexNames(context, String(databaseName), String(collectionName));
    if (!names.includes(String(indexName))) {
      throw new MatchError('assertIndexExists', `no index ${indexName} in [${names.join(', ')}]`);
    }
    return undefined;
  },
  async assertIndexNotExists(context) {
    const { databaseName, collectionName, indexName } = context.args;
    const names = await indexNames(context, String(databaseName), String(collectionName));
    if (names.includes(String(indexName))) {
      throw new MatchError('assertIndexNotExists', `index ${indexName} exists`);
    }
    return undefined;
  },
  async createEntities({ entities, args, uri }) {
    await entities.add(uri, args.entities as Document[]);
    return undefined;
  },
};
