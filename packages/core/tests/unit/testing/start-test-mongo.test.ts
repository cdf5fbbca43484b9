import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

/** Stands in for the driver's MongoClient: records what happens, connects to nothing. */
class FakeClient {
  static instances: FakeClient[] = [];
  static connectError: Error | undefined;
  readonly dropDatabase = vi.fn(async () => true);
  readonly close = vi.fn(async () => {});
  databaseName = '';

  constructor(readonly uri: string) {
    FakeClient.instances.push(this);
  }

  async connect(): Promise<this> {
    if (FakeClient.connectError) throw FakeClient.connectError;
    return this;
  }

  db(name: string) {
    this.databaseName = name;
    return { databaseName: name, dropDatabase: this.dropDatabase };
  }
}

const emulatorStop = vi.fn(async () => {});
const emulatorStart = vi.fn(async (_options: { port: number; replicaSet: string }) => ({
  uri: 'mongodb://127.0.0.1:40000/?replicaSet=rs0',
  stop: emulatorStop,
}));

/** Stands in for `MongoEmulator`, a class (a function) with a static `start`. */
const FakeEmulator = Object.assign(function MongoEmulator() {}, { start: emulatorStart });

const importOptional = vi.fn(
  async (_specifier: string): Promise<unknown> => ({
    MongoEmulator: FakeEmulator,
  }),
);

async function load() {
  const { MonqueError } = await import('../../../src/errors.js');
  const { startTestMongo } = await import('../../../src/testing/start-test-mongo.js');
  return { MonqueError, startTestMongo };
}

describe('startTestMongo', () => {
  beforeEach(() => {
    vi.resetModules();
    FakeClient.instances = [];
    FakeClient.connectError = undefined;
    vi.doMock('mongodb', async (importOriginal) => ({
      ...(await importOriginal<typeof import('mongodb')>()),
      MongoClient: FakeClient,
    }));
    vi.doMock('../../../src/testing/import-optional.js', () => ({ importOptional }));
    vi.stubEnv('MONGODB_URI', undefined);
  });

  afterEach(() => {
    vi.doUnmock('mongodb');
    vi.doUnmock('../../../src/testing/import-optional.js');
    vi.unstubAllEnvs();
    vi.clearAllMocks();
  });

  it('starts the emulator as replica set rs0 on a free port when MONGODB_URI is not set', async () => {
    const { startTestMongo } = await load();
    const mongo = await startTestMongo();
    expect(emulatorStart).toHaveBeenCalledWith({ port: 0, replicaSet: 'rs0' });
    expect(mongo.uri).toBe('mongodb://127.0.0.1:40000/?replicaSet=rs0');
    const [client] = FakeClient.instances;
    expect(mongo.client).toBe(client);
    expect(client?.uri).toBe(mongo.uri);
    expect(mongo.db.databaseName).toMatch(/^monque_test_[0-9a-f]{32}$/);

    await mongo.stop();
    expect(client?.dropDatabase).toHaveBeenCalledOnce();
    expect(client?.close).toHaveBeenCalledOnce();
    expect(emulatorStop).toHaveBeenCalledOnce();
  });

  it('uses MONGODB_URI when set, and starts no emulator', async () => {
    vi.stubEnv('MONGODB_URI', 'mongodb://db.example:27017/?replicaSet=rs0');
    const { startTestMongo } = await load();
    const mongo = await startTestMongo();
    expect(mongo.uri).toBe('mongodb://db.example:27017/?replicaSet=rs0');
    expect(emulatorStart).not.toHaveBeenCalled();
    await mongo.stop();
    expect(FakeClient.instances[0]?.close).toHaveBeenCalledOnce();
  });

  it('treats an empty MONGODB_URI as not set', async () => {
    vi.stubEnv('MONGODB_URI', '');
    const { startTestMongo } = await load();
    await startTestMongo();
    expect(emulatorStart).toHaveBeenCalledOnce();
  });

  it('names both remedies when the emulator is not installed', async () => {
    const missing = new Error("Cannot find package '@monque/mongo-emulator'");
    importOptional.mockRejectedValueOnce(missing);
    const { MonqueError, startTestMongo } = await load();
    const error = await startTestMongo().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MonqueError);
    expect((error as Error).message).toBe(
      'No MongoDB server for tests: set MONGODB_URI to a replica set (for example ' +
        "'mongodb://localhost:27017/?replicaSet=rs0'), or install the in-process emulator with " +
        "'npm install --save-dev @monque/mongo-emulator'.",
    );
    expect((error as Error).cause).toBe(missing);
    expect(importOptional).toHaveBeenCalledWith('@monque/mongo-emulator');
  });

  it.each<[string, unknown]>([
    ['no MongoEmulator', {}],
    ['a MongoEmulator without start', { MongoEmulator: class {} }],
  ])('names both remedies when the emulator module has %s', async (_, module) => {
    importOptional.mockResolvedValueOnce(module);
    const { startTestMongo } = await load();
    const error = await startTestMongo().catch((caught: unknown) => caught);
    expect((error as Error).message).toMatch(/^No MongoDB server for tests: set MONGODB_URI/);
    expect(((error as Error).cause as Error).message).toBe(
      '@monque/mongo-emulator does not export MongoEmulator.start()',
    );
  });

  it('stops the emulator and reports the URI when connecting fails', async () => {
    const refused = new Error('ECONNREFUSED');
    FakeClient.connectError = refused;
    const { MonqueError, startTestMongo } = await load();
    const error = await startTestMongo().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MonqueError);
    expect((error as Error).message).toBe(
      'Could not connect to the test MongoDB at mongodb://127.0.0.1:40000/?replicaSet=rs0.',
    );
    expect((error as Error).cause).toBe(refused);
    expect(emulatorStop).toHaveBeenCalledOnce();
  });

  it('still closes the client and stops the emulator when dropping the database fails', async () => {
    const { startTestMongo } = await load();
    const mongo = await startTestMongo();
    const failure = new Error('drop failed');
    FakeClient.instances[0]?.dropDatabase.mockRejectedValueOnce(failure);
    await expect(mongo.stop()).rejects.toBe(failure);
    expect(FakeClient.instances[0]?.close).toHaveBeenCalledOnce();
    expect(emulatorStop).toHaveBeenCalledOnce();
  });
});
