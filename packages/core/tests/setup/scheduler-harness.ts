import { openTestDatabase, type TestDatabase } from '@monque/test-support';
import { type Db, MongoClient, type MongoClientOptions } from 'mongodb';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { MonqueEventMap } from '../../src/events.js';
import { Monque } from '../../src/monque.js';
import type { MonqueOptions } from '../../src/options.js';
import { withFrozenHeartbeats } from '../integration/support/frozen-heartbeats.js';

/**
 * Options that keep integration tests fast: short intervals, quick retries. The lock timeout is
 * long on purpose: the emulator runs in the test's own process, so on a busy machine a stalled
 * event loop delays heartbeats by hundreds of milliseconds, and a short lock timeout would let
 * instances take over each other's live jobs. Tests whose subject is a takeover set a short one
 * and stop the old owner's heartbeats for good (`frozenHeartbeats`).
 */
export const FAST_OPTIONS: MonqueOptions = {
  pollInterval: 50,
  backupPollInterval: 1000,
  heartbeatInterval: 100,
  lockTimeout: 30_000,
  baseRetryInterval: 50,
  shutdownTimeout: 2000,
};

/**
 * How long `nextEvent` waits by default: only a guard against a test that would hang, far beyond
 * what any awaited event takes even on a busy machine.
 */
export const EVENT_WAIT_LIMIT_MS = 30_000;

/**
 * One test database per file and a factory for Monque instances that are stopped after each test.
 * Each instance gets its own collection unless one is given, so tests do not see each other's jobs.
 */
export function useSchedulerHarness(prefix: string) {
  let database: TestDatabase | undefined;
  const instances: Monque[] = [];
  const clients: MongoClient[] = [];
  let collections = 0;
  let thaw = new AbortController();

  beforeAll(async () => {
    database = await openTestDatabase(prefix);
  });
  afterEach(async () => {
    // Frozen heartbeats fail now, so that stopping their instances need not wait for them.
    thaw.abort();
    thaw = new AbortController();
    await Promise.all(instances.splice(0).map((monque) => monque.stop()));
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });
  afterAll(async () => {
    await database?.cleanup();
  });

  return {
    get db(): Db {
      if (database === undefined) throw new Error('the test database is not open yet');
      return database.db;
    },
    get database(): TestDatabase {
      if (database === undefined) throw new Error('the test database is not open yet');
      return database;
    },
    /** The test database through a client of its own (closed after the test). */
    async separateDb(options: MongoClientOptions = {}): Promise<Db> {
      const client = await new MongoClient(this.database.uri, options).connect();
      clients.push(client);
      return client.db(this.db.databaseName);
    },
    /** `db` as a zombie instance sees it (see `withFrozenHeartbeats`), thawed after the test. */
    frozenHeartbeats(db: Db): Db {
      return withFrozenHeartbeats(db, thaw.signal);
    },
    /** A fresh collection name for one test. */
    collectionName(): string {
      collections += 1;
      return `jobs_${collections}`;
    },
    /** A Monque instance that is stopped after the test. */
    create(options: MonqueOptions = {}, db?: Db): Monque {
      const monque = new Monque(db ?? this.db, { ...FAST_OPTIONS, ...options });
      instances.push(monque);
      return monque;
    },
  };
}

/** Resolves with the payload of the next `event` of `monque`, or rejects after `timeout` ms. */
export function nextEvent<K extends keyof MonqueEventMap>(
  monque: Monque,
  event: K,
  timeout = EVENT_WAIT_LIMIT_MS,
): Promise<MonqueEventMap[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      monque.off(event, listener as never);
      reject(new Error(`no ${event} event within ${timeout} ms`));
    }, timeout);
    const listener = (...args: MonqueEventMap[K]) => {
      clearTimeout(timer);
      resolve(args);
    };
    monque.once(event, listener as never);
  });
}
