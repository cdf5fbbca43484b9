import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { MongoClient } from 'mongodb';
import { createDashboard } from '../create-dashboard.js';

/** The usage text of `monque-dashboard`. */
export const USAGE = `Usage: monque-dashboard --uri <mongodb uri> [options]

Serves the Monque dashboard for one jobs collection.

Options:
  --uri <uri>            MongoDB connection string (required)
  --db <name>            database (default: the one named in the URI)
  --collection <name>    jobs collection (default: monque_jobs)
  --port <number>        port to listen on (default: 3000; 0 picks a free one)
  --host <address>       address to listen on (default: 127.0.0.1)
  --base-path <path>     URL path to serve under, such as /queue (default: the root)
  --read-only            show no actions and refuse them
  --help                 show this text

Only requests from this machine (a loopback address) are served: the command has no login of
its own. To reach it from elsewhere, put it behind a proxy that authenticates, or mount
createDashboard() in your own server with an authorize function.`;

/** A running standalone dashboard. */
export interface ServedDashboard {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

/** A command-line problem: the message is printed with the usage. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Options of {@link serveDashboard}, as read from the command line. */
export interface ServeOptions {
  readonly uri: string;
  readonly db: string | undefined;
  readonly collection: string | undefined;
  readonly port: number;
  readonly host: string;
  readonly basePath: string | undefined;
  readonly readOnly: boolean;
}

/** Reads the command line; `undefined` means `--help` was asked for. */
export function parseCommandLine(args: readonly string[]): ServeOptions | undefined {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(args).values;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (values.help === true) return undefined;
  if (values.uri === undefined || values.uri === '') throw new UsageError('--uri is required');
  const port = Number(values.port ?? '3000');
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new UsageError(`--port must be a whole number from 0 to 65535, got ${values.port}`);
  }
  return {
    uri: values.uri,
    db: values.db,
    collection: values.collection,
    port,
    host: values.host ?? '127.0.0.1',
    basePath: values['base-path'],
    readOnly: values['read-only'] === true,
  };
}

function parse(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    strict: true,
    allowPositionals: false,
    options: {
      uri: { type: 'string' },
      db: { type: 'string' },
      collection: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      'base-path': { type: 'string' },
      'read-only': { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
}

/** The database named in a connection string's path, if any. */
export function databaseInUri(uri: string): string | undefined {
  const name = /^mongodb(?:\+srv)?:\/\/[^/?]*\/([^?]+)/.exec(uri)?.[1];
  return name === undefined ? undefined : decodeURIComponent(name);
}

/** Connects, creates the dashboard and listens. */
export async function serveDashboard(options: ServeOptions): Promise<ServedDashboard> {
  const dbName = options.db ?? databaseInUri(options.uri);
  if (dbName === undefined || dbName === '') {
    throw new UsageError('give --db (the URI names no database)');
  }
  const client = new MongoClient(options.uri);
  await client.connect();
  try {
    const dashboard = createDashboard({
      db: client.db(dbName),
      ...(options.collection === undefined ? {} : { collectionName: options.collection }),
      ...(options.basePath === undefined ? {} : { basePath: options.basePath }),
      readOnly: options.readOnly,
    });
    const server = createServer(dashboard);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const base = (options.basePath ?? '').replace(/\/$/, '');
    return {
      url: `http://${host}:${address.port}${base}/`,
      server,
      async close() {
        await dashboard.close();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await client.close();
      },
    };
  } catch (error) {
    await client.close();
    throw error;
  }
}
