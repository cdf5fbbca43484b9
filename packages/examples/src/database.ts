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
 * The database named in a connection string's path (`mongodb://host:27017/<name>?…`), if any.
 * Parsed by hand: a seed list (`host1:27017,host2:27017`) is not a URL the WHATWG parser takes.
 */
export function databaseInUri(uri: string): string | undefined {
  const afterScheme = uri.slice(uri.indexOf('//') + 2);
  const pathStart = afterScheme.indexOf('/');
  if (pathStart === -1) return undefined;
  const path = afterScheme.slice(pathStart + 1).split('?')[0] ?? '';
  return path === '' ? undefined : decodeURIComponent(path);
}

/**
 * Connects to `MONGODB_URI` when it is set — to the database its path names
 * (`mongodb://host:27017/<name>`), else to `dbName` — otherwise starts the embedded emulator (a
 * single-node replica set, so change streams work) and uses `dbName`.
 */
export async function openExampleDatabase(dbName: string): Promise<ExampleDatabase> {
  const uri = process.env.MONGODB_URI;
  if (uri) {
    const name = databaseInUri(uri) ?? dbName;
    const client = await new MongoClient(uri).connect();
    return {
      db: client.db(name),
      uri,
      description: `MongoDB at MONGODB_URI (database '${name}')`,
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
