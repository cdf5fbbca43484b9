import { MongoClient, type MongoClientOptions } from 'mongodb';
import { MongoEmulator, type MongoEmulatorOptions } from '../../src/index.js';

/** Options of {@link startTestEmulator}. */
export interface TestEmulatorOptions extends MongoEmulatorOptions {
  /** Options for the driver client (merged over short test-friendly timeouts). */
  clientOptions?: MongoClientOptions;
  /** Keep the port's data after `stop()` (default false: the data is discarded). */
  keepData?: boolean;
}

/** A running emulator with a connected official-driver client. */
export interface TestEmulator {
  server: MongoEmulator;
  /** A `mongodb` 7.x client, already connected to `server`. */
  client: MongoClient;
  /** The server's connection string (`server.uri`). */
  uri: string;
  /** Closes the client, stops the server and (unless `keepData`) discards its data. */
  stop(): Promise<void>;
}

/** Client options for tests: fail fast instead of waiting 30 s for a server. */
export const TEST_CLIENT_OPTIONS: MongoClientOptions = {
  serverSelectionTimeoutMS: 5_000,
  connectTimeoutMS: 5_000,
};

/**
 * Starts a `MongoEmulator` (random port, replica set `rs0` unless `options` say otherwise) and a
 * connected `mongodb` driver client. Always call `stop()` (e.g. in `afterEach`/`afterAll`).
 *
 * ```ts
 * let env: TestEmulator;
 * beforeAll(async () => { env = await startTestEmulator(); });
 * afterAll(() => env.stop());
 * it('inserts', async () => {
 *   await env.client.db('test').collection('c').insertOne({ a: 1 });
 * });
 * ```
 */
export async function startTestEmulator(options: TestEmulatorOptions = {}): Promise<TestEmulator> {
  const { clientOptions, keepData, ...serverOptions } = options;
  const server = await MongoEmulator.start({ port: 0, ...serverOptions });
  const client = new MongoClient(server.uri, { ...TEST_CLIENT_OPTIONS, ...clientOptions });
  try {
    await client.connect();
  } catch (error) {
    await server.stop();
    MongoEmulator.discardData(server.port);
    throw error;
  }
  let stopped: Promise<void> | undefined;
  return {
    server,
    client,
    uri: server.uri,
    stop() {
      stopped ??= (async () => {
        await client.close();
        await server.stop();
        if (!keepData) MongoEmulator.discardData(server.port);
      })();
      return stopped;
    },
  };
}
