import { type Db, MongoClient } from 'mongodb';
import { uniqueDatabaseName } from './database-name.js';
import { pickTestServer, type Substrate, type TestServer } from './substrate.js';

export type { Substrate } from './substrate.js';

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

function describe(server: TestServer): string {
  switch (server.substrate) {
    case 'MONGODB_URI':
      return 'the server at MONGODB_URI';
    case 'testcontainers':
      return 'a Testcontainers MongoDB replica set';
    case 'emulator':
      return 'the in-process mongo-emulator (no MONGODB_URI, no Docker engine)';
  }
}

/**
 * Returns the connection string of the run's shared server, picked once per process:
 * `MONGODB_URI` if set → Testcontainers MongoDB (replica set) if a Docker engine answers → a
 * shared in-process emulator (replica set). Prints once which substrate the run uses.
 */
export function getTestServer(): Promise<{ uri: string; substrate: Substrate }> {
  const holder = globalThis as GlobalWithServer;
  let server = holder[SERVER_KEY];
  if (server === undefined) {
    server = pickTestServer().then((picked) => {
      console.info(`[test-support] integration tests run on ${describe(picked)}`);
      return picked;
    });
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
