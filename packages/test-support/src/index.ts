import type { Db, MongoClient } from 'mongodb';

/** Which database server the integration tests run on. */
export type Substrate = 'MONGODB_URI' | 'testcontainers' | 'emulator';

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

/**
 * CONTRACT STUB — returns the connection string of the run's shared server, picked once per process:
 * `MONGODB_URI` if set → Testcontainers MongoDB (replica set) if a Docker engine answers → a
 * shared in-process emulator (replica set). Prints once which substrate the run uses.
 */
export async function getTestServer(): Promise<{ uri: string; substrate: Substrate }> {
  throw new Error('not implemented yet');
}

/** CONTRACT STUB — a fresh database with a unique name on the run's server, and its own client. */
export async function openTestDatabase(prefix = 'test'): Promise<TestDatabase> {
  void prefix;
  throw new Error('not implemented yet');
}
