import { type Db, MongoClient } from 'mongodb';
import { sleep } from './stats.js';

/** A run id that keeps database names of concurrent or earlier runs apart. */
const RUN_ID = `${Date.now().toString(36)}${process.pid.toString(36)}`;

/** A database name for one scenario and library (dropped before and after use). */
export function databaseName(scenario: string, library: string, suffix = ''): string {
  return `bench_${RUN_ID}_${scenario}_${library}${suffix === '' ? '' : `_${suffix}`}`;
}

/** A connected client; with `monitor`, command monitoring is on (for counting). */
export async function openClient(uri: string, monitor = false): Promise<MongoClient> {
  const client = new MongoClient(uri, { monitorCommands: monitor });
  await client.connect();
  return client;
}

/** The database `name`, emptied first. */
export async function freshDatabase(client: MongoClient, name: string): Promise<Db> {
  const db = client.db(name);
  await db.dropDatabase();
  return db;
}

/** Counts the commands of a monitored client that have not finished yet. */
class InFlight {
  #count = 0;
  #lastChange = performance.now();

  constructor(client: MongoClient) {
    const change = (delta: number) => () => {
      this.#count += delta;
      this.#lastChange = performance.now();
    };
    client.on('commandStarted', change(1));
    client.on('commandSucceeded', change(-1));
    client.on('commandFailed', change(-1));
  }

  /**
   * Resolves once no command has been in flight for `quietMs` (a library that keeps working
   * after its stop — Agenda finishes its lock loop and unlocks — is let finish), or after
   * `timeoutMs`.
   */
  async settle(quietMs = 200, timeoutMs = 10_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      if (this.#count === 0 && performance.now() - this.#lastChange >= quietMs) {
        return;
      }
      await sleep(25);
    }
  }
}

/**
 * Opens a (monitored) client, runs `use` on a fresh database, waits until the library's last
 * commands have finished, then drops the database and closes the client.
 */
export async function withDatabase<T>(
  uri: string,
  name: string,
  use: (db: Db, client: MongoClient) => Promise<T>,
): Promise<T> {
  const client = await openClient(uri, true);
  const inFlight = new InFlight(client);
  try {
    const db = await freshDatabase(client, name);
    try {
      return await use(db, client);
    } finally {
      await inFlight.settle();
      await db.dropDatabase().catch(() => undefined);
    }
  } finally {
    await client.close();
  }
}
