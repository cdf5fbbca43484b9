import { randomUUID } from 'node:crypto';
import { type Db, MongoClient } from 'mongodb';
import { MonqueError } from '../errors.js';
import { importOptional } from './import-optional.js';

/**
 * A MongoDB server for tests, a connected client and a fresh database on it.
 *
 * @example
 * ```ts
 * const mongo: TestMongo = await startTestMongo();
 * const monque = new Monque(mongo.db);
 * await mongo.stop();
 * ```
 */
export interface TestMongo {
  /** The server's connection string. */
  readonly uri: string;
  /** A database with a unique name (`monque_test_…`), empty at start. */
  readonly db: Db;
  /** The connected client. */
  readonly client: MongoClient;
  /**
   * Drops the database, closes the client and stops the emulator if one was started.
   *
   * @example
   * ```ts
   * afterAll(() => mongo.stop());
   * ```
   */
  stop(): Promise<void>;
}

/** What `startTestMongo` needs from `@monque/mongo-emulator`. */
interface EmulatorModule {
  MongoEmulator: {
    start(options: { port: number; replicaSet: string }): Promise<{
      uri: string;
      stop(): Promise<void>;
    }>;
  };
}

const EMULATOR_PACKAGE = '@monque/mongo-emulator';

function isEmulatorModule(value: unknown): value is EmulatorModule {
  const emulator: unknown = (value as { MongoEmulator?: unknown }).MongoEmulator;
  return (
    typeof emulator === 'function' && typeof (emulator as { start?: unknown }).start === 'function'
  );
}

function noServer(cause: unknown): MonqueError {
  return new MonqueError(
    'No MongoDB server for tests: set MONGODB_URI to a replica set (for example ' +
      "'mongodb://localhost:27017/?replicaSet=rs0'), or install the in-process emulator with " +
      `'npm install --save-dev ${EMULATOR_PACKAGE}'.`,
    { cause },
  );
}

async function loadEmulator(): Promise<EmulatorModule> {
  let loaded: unknown;
  try {
    loaded = await importOptional(EMULATOR_PACKAGE);
  } catch (error) {
    throw noServer(error);
  }
  if (!isEmulatorModule(loaded)) {
    throw noServer(new Error(`${EMULATOR_PACKAGE} does not export MongoEmulator.start()`));
  }
  return loaded;
}

async function connect(uri: string, stopServer: () => Promise<void>): Promise<TestMongo> {
  const client = new MongoClient(uri);
  try {
    await client.connect();
  } catch (error) {
    await stopServer();
    throw new MonqueError(`Could not connect to the test MongoDB at ${uri}.`, { cause: error });
  }
  const db = client.db(`monque_test_${randomUUID().replaceAll('-', '')}`);
  return {
    uri,
    db,
    client,
    async stop() {
      try {
        await db.dropDatabase();
      } finally {
        await client.close();
        await stopServer();
      }
    },
  };
}

/**
 * Connects to a MongoDB server for tests and opens a fresh database: the server at
 * `process.env.MONGODB_URI` when set, otherwise an in-process `@monque/mongo-emulator` (an
 * optional peer dependency) started as replica set `rs0` on a free port. No Docker needed.
 *
 * @returns The connection string, the client, a fresh database and `stop()`.
 * @throws MonqueError naming both remedies (set `MONGODB_URI`, or install
 * `@monque/mongo-emulator`) when neither is available, or when the connection fails.
 *
 * @example
 * ```ts
 * let mongo: TestMongo;
 * beforeAll(async () => {
 *   mongo = await startTestMongo();
 * });
 * afterAll(() => mongo.stop());
 * ```
 */
export async function startTestMongo(): Promise<TestMongo> {
  const externalUri = process.env.MONGODB_URI;
  if (externalUri !== undefined && externalUri !== '') {
    return connect(externalUri, async () => {});
  }
  const { MongoEmulator } = await loadEmulator();
  const emulator = await MongoEmulator.start({ port: 0, replicaSet: 'rs0' });
  return connect(emulator.uri, () => emulator.stop());
}
