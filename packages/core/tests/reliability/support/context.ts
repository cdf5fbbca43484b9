import type { TestDatabase } from '@monque/test-support';
import { type Db, MongoClient, type MongoClientOptions } from 'mongodb';

/** What every scenario gets: the run's test database and a way to open separate clients. */
export interface ReliabilityContext {
  /** The test database (opened in `beforeAll`). */
  readonly database: TestDatabase;
  /** The test database through a MongoClient of its own, closed after the scenario. */
  separateDb(options?: MongoClientOptions): Promise<Db>;
  /** A MongoClient of its own for the test database's server, closed after the scenario. */
  separateClient(options?: MongoClientOptions): Promise<MongoClient>;
  /** A collection name unique to this run. */
  collectionName(prefix: string): string;
}

/** Builds the context around a database that is opened later (in `beforeAll`). */
export function createContext(getDatabase: () => TestDatabase | undefined): ReliabilityContext & {
  closeClients(): Promise<void>;
} {
  const clients: MongoClient[] = [];
  let counter = 0;
  const database = (): TestDatabase => {
    const opened = getDatabase();
    if (opened === undefined) throw new Error('the test database is not open yet');
    return opened;
  };
  return {
    get database() {
      return database();
    },
    async separateDb(options = {}) {
      const client = await this.separateClient(options);
      return client.db(database().db.databaseName);
    },
    async separateClient(options = {}) {
      const client = await new MongoClient(database().uri, options).connect();
      clients.push(client);
      return client;
    },
    collectionName(prefix) {
      counter += 1;
      return `${prefix}_${counter}`;
    },
    async closeClients() {
      await Promise.all(clients.splice(0).map((client) => client.close()));
    },
  };
}
