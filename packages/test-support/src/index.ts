import { type Db, MongoClient } from 'mongodb';
import { inject } from 'vitest';
import { uniqueDatabaseName } from './database-name.js';
import { SUBSTRATE_KEY } from './provided-substrate.js';
import {
  chooseSubstrate,
  describeChoice,
  type Substrate,
  type SubstrateChoice,
  startTestServer,
  type TestServer,
} from './substrate.js';

export type { Substrate, SubstrateChoice } from './substrate.js';

/** A fresh, isolated database for one test file. */
export interface TestDatabase {
  db: Db;
  client: MongoClient;
  /** The connection string of the server (without the database name). */
  uri: string;
  substrate: Substrate;
  /** Drops the database and closes the client. */
  cleanup(): Promise<void>;
}

/** Kept on `globalThis` so test files sharing a worker process share the server. */
const SERVER_KEY = Symbol.for('@monque/test-support/server');

type GlobalWithServer = typeof globalThis & { [SERVER_KEY]?: Promise<TestServer> };

/**
 * The run's choice, made once by the global setup (`./global-setup.ts`), or — when the tests run
 * under a config without it — made here and printed by this worker.
 */
async function runChoice(): Promise<SubstrateChoice> {
  const provided = inject(SUBSTRATE_KEY);
  if (provided !== undefined) return provided;
  const choice = await chooseSubstrate();
  console.info(`[test-support] ${describeChoice(choice)} (chosen by this test worker)`);
  return choice;
}

/**
 * Returns the connection string of the run's shared server, started once per process on the
 * substrate the run chose: `MONGODB_URI` if set → Testcontainers MongoDB (replica set, test
 * commands enabled) if a Docker engine answers → a shared in-process emulator (replica set).
 */
export function getTestServer(): Promise<{ uri: string; substrate: Substrate }> {
  const holder = globalThis as GlobalWithServer;
  let server = holder[SERVER_KEY];
  if (server === undefined) {
    server = runChoice().then((choice) => startTestServer(choice));
    // A failed start is not cached: the next caller tries again (and sees its own error).
    server.catch(() => {
      if (holder[SERVER_KEY] === server) delete holder[SERVER_KEY];
    });
    holder[SERVER_KEY] = server;
  }
  return server;
}

/** A fresh database with a unique name on the run's server, and its own client. */
export async function openTestDatabase(prefix = 'test'): Promise<TestDatabase> {
  const { uri, substrate } = await getTestServer();
  const client = await new MongoClient(uri).connect();
  const db = client.db(uniqueDatabaseName(prefix));
  return {
    db,
    client,
    uri,
    substrate,
    async cleanup(): Promise<void> {
      try {
        await db.dropDatabase();
      } finally {
        await client.close();
      }
    },
  };
}
