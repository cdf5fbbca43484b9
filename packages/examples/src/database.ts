import { MongoEmulator } from '@monque/mongo-emulator';
import { type Db, MongoClient } from 'mongodb';

/** A connected database for an example program, and how to let it go. */
export interface ExampleDatabase {
  db: Db;
  /** The server's connection string, for programs that open clients of their own. */
  uri: string;
  /** Where the database lives, for the log: the emulator or the `MONGODB_URI` server. */
  description: string;
  close(): Promise<void>;
}

/**
 * Connects to `MONGODB_URI` when it is set, otherwise starts the embedded emulator (a single-node
 * replica set, so change streams work).
 */
export async function openExampleDatabase(dbName: string): Promise<ExampleDatabase> {
  const uri = process.env.MONGODB_URI;
  if (uri) {
    const client = await new MongoClient(uri).connect();
    return {
      db: client.db(dbName),
      uri,
      description: `MongoDB at MONGODB_URI (database '${dbName}')`,
      close: () => client.close(),
    };
  }
  const emulator = await MongoEmulator.start({ port: 0, replicaSet: 'rs0' });
  const client = await new MongoClient(emulator.uri).connect();
  return {
    db: client.db(dbName),
    uri: emulator.uri,
    description: `the embedded mongo-emulator at ${emulator.uri} (set MONGODB_URI to use a real server)`,
    close: async () => {
      await client.close();
      await emulator.stop();
    },
  };
}
