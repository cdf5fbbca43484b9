import type { Document } from 'bson';
import {
  type AnyBulkWriteOperation,
  type ChangeStream,
  type ChangeStreamOptions,
  Collection,
  Db,
  type MongoClient,
} from 'mongodb';
import { toDriverOptions } from './arguments.js';
import { ClientEntity, type EntityMap, isChangeStream } from './entities.js';
import { RunnerError } from './runner-error.js';
import { sessionHandlers } from './session-operations.js';

/** What an operation handler gets. */
export interface OperationContext {
  entities: EntityMap;
  /** The `object` of the operation, resolved (undefined for `testRunner`). */
  target: unknown;
  /** The arguments; a `session` argument is already the session entity. */
  args: Document;
  /** Registers a clean-up step run after the test (e.g. turning a fail point off). */
  onCleanup(step: () => Promise<void>): void;
  /** A client the runner owns (for clean-up commands that must not be observed). */
  internalClient: MongoClient;
  /** The server's URI (for entities created by an operation). */
  uri: string;
  /**
   * Runs nested operations (a `withTransaction` callback) with the runner's checks; an error an
   * operation expected is thrown on, so that the callback fails with it.
   */
  runNested(operations: readonly Document[]): Promise<void>;
}

/** Runs one operation. */
export type Handler = (context: OperationContext) => Promise<unknown>;

/** How long `iterateUntilDocumentOrError` waits before the runner gives up. */
const ITERATE_TIMEOUT_MS = 5000;

function collection(target: unknown): Collection<Document> {
  if (!(target instanceof Collection))
    throw new RunnerError('the operation needs a collection entity');
  return target as Collection<Document>;
}

function database(target: unknown): Db {
  if (!(target instanceof Db)) throw new RunnerError('the operation needs a database entity');
  return target;
}

function changeStream(target: unknown): ChangeStream<Document> {
  if (!isChangeStream(target)) throw new RunnerError('the operation needs a change stream entity');
  return target;
}

function split(args: Document, ...names: string[]): [Document[], Document] {
  const rest = toDriverOptions(args);
  const picked = names.map((name) => {
    const value = args[name];
    delete rest[name];
    return value as Document;
  });
  return [picked, rest];
}

async function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new RunnerError(`${what} did not settle within ${ITERATE_TIMEOUT_MS} ms`)),
      ITERATE_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const handlers: Record<string, Handler> = {
  async insertOne({ target, args }) {
    const [[document], options] = split(args, 'document');
    return collection(target).insertOne(document as Document, options);
  },
  async insertMany({ target, args }) {
    const [[documents], options] = split(args, 'documents');
    return collection(target).insertMany(documents as unknown as Document[], options);
  },
  async updateOne({ target, args }) {
    const [[filter, update], options] = split(args, 'filter', 'update');
    return collection(target).updateOne(filter as Document, update as Document, options);
  },
  async updateMany({ target, args }) {
    const [[filter, update], options] = split(args, 'filter', 'update');
    return collection(target).updateMany(filter as Document, update as Document, options);
  },
  async replaceOne({ target, args }) {
    const [[filter, replacement], options] = split(args, 'filter', 'replacement');
    return collection(target).replaceOne(filter as Document, replacement as Document, options);
  },
  async deleteOne({ target, args }) {
    const [[filter], options] = split(args, 'filter');
    return collection(target).deleteOne(filter as Document, options);
  },
  async deleteMany({ target, args }) {
    const [[filter], options] = split(args, 'filter');
    return collection(target).deleteMany(filter as Document, options);
  },
  async findOneAndUpdate({ target, args }) {
    const [[filter, update], options] = split(args, 'filter', 'update');
    return collection(target).findOneAndUpdate(filter as Document, update as Document, options);
  },
  async findOneAndReplace({ target, args }) {
    const [[filter, replacement], options] = split(args, 'filter', 'replacement');
    return collection(target).findOneAndReplace(
      filter as Document,
      replacement as Document,
      options,
    );
  },
  async findOneAndDelete({ target, args }) {
    const [[filter], options] = split(args, 'filter');
    return collection(target).findOneAndDelete(filter as Document, options);
  },
  async find({ target, args }) {
    const [[filter], options] = split(args, 'filter');
    return collection(target)
      .find(filter ?? {}, options)
      .toArray();
  },
  async findOne({ target, args }) {
    const [[filter], options] = split(args, 'filter');
    return collection(target).findOne(filter ?? {}, options);
  },
  async aggregate({ target, args }) {
    const [[pipeline], options] = split(args, 'pipeline');
    const stages = pipeline as unknown as Document[];
    if (target instanceof Db) return target.aggregate(stages, options).toArray();
    return collection(target).aggregate(stages, options).toArray();
  },
  async countDocuments({ target, args }) {
    const [[filter], options] = split(args, 'filter');
    return collection(target).countDocuments(filter ?? {}, options);
  },
  async estimatedDocumentCount({ target, args }) {
    return collection(target).estimatedDocumentCount(toDriverOptions(args));
  },
  async count({ target, args }) {
    const [[filter], options] = split(args, 'filter');
    return collection(target).count(filter ?? {}, options);
  },
  async distinct({ target, args }) {
    const [[fieldName, filter], options] = split(args, 'fieldName', 'filter');
    return collection(target).distinct(String(fieldName), filter ?? {}, options);
  },
  async bulkWrite({ target, args }) {
    const [[requests], options] = split(args, 'requests');
    const operations = requests as unknown as AnyBulkWriteOperation<Document>[];
    return collection(target).bulkWrite(operations, options);
  },
  async createIndex({ target, args }) {
    const [[keys], options] = split(args, 'keys');
    return collection(target).createIndex(toDriverOptions(keys as Document), options);
  },
  async rename({ target, args }) {
    const [[to], options] = split(args, 'to');
    await collection(target).rename(String(to), options);
    return undefined;
  },
  async dropCollection({ target, args }) {
    const [[name], options] = split(args, 'collection');
    return database(target).dropCollection(String(name), options);
  },
  async createCollection({ target, args }) {
    const [[name], options] = split(args, 'collection');
    await database(target).createCollection(String(name), options);
    return undefined;
  },
  async modifyCollection({ target, args }) {
    const [[name], options] = split(args, 'collection');
    return database(target).command({ collMod: String(name), ...options });
  },
  async runCommand({ target, args }) {
    const { command, commandName: _name, ...options } = args;
    return database(target).command(command as Document, toDriverOptions(options));
  },
  async createChangeStream({ target, args }) {
    const [[pipeline], options] = split(args, 'pipeline');
    const stages = (pipeline as unknown as Document[] | undefined) ?? [];
    const watchOptions = options as ChangeStreamOptions;
    let stream: ChangeStream<Document>;
    if (target instanceof ClientEntity) stream = target.client.watch(stages, watchOptions);
    else if (target instanceof Db || target instanceof Collection)
      stream = target.watch(stages, watchOptions);
    else throw new RunnerError('createChangeStream needs a client, database or collection');
    // Send the aggregate now, as the unified format expects (the driver defers it otherwise).
    const cursor = (stream as unknown as { cursor: { cursorInit(): Promise<void> } }).cursor;
    try {
      await cursor.cursorInit();
    } catch (error) {
      await stream.close();
      throw error;
    }
    return stream;
  },
  async iterateUntilDocumentOrError({ target }) {
    return withTimeout(changeStream(target).next(), 'iterateUntilDocumentOrError');
  },
  async iterateOnce({ target }) {
    return changeStream(target).tryNext();
  },
  async close({ target }) {
    if (isChangeStream(target)) return target.close();
    if (target instanceof ClientEntity) return target.client.close();
    throw new RunnerError('close needs a change stream or client');
  },
  async failPoint({ entities, args, onCleanup, internalClient }) {
    const client = entities.client(String(args.client)).client;
    const failPoint = args.failPoint as Document;
    await client.db('admin').command(failPoint);
    onCleanup(async () => {
      await internalClient
        .db('admin')
        .command({ configureFailPoint: failPoint.configureFailPoint, mode: 'off' });
    });
    return undefined;
  },
};

/** Runs one operation; throws what the driver throws. */
export async function runOperation(name: string, context: OperationContext): Promise<unknown> {
  const handler = handlers[name] ?? sessionHandlers[name];
  if (handler === undefined)
    throw new RunnerError(`the runner does not implement the operation ${name}`);
  const session: unknown = context.args.session;
  if (typeof session !== 'string') return handler(context);
  return handler({
    ...context,
    args: { ...context.args, session: context.entities.session(session) },
  });
}
