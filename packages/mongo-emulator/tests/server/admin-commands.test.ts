import { MongoServerError } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MONGODB_7_COMMANDS } from '../../src/commands/mongodb-commands.js';
import { startTestEmulator, type TestEmulator } from '../helpers/start-test-emulator.js';

describe('server commands', () => {
  let env: TestEmulator;
  beforeAll(async () => {
    env = await startTestEmulator();
  });
  afterAll(() => env.stop());

  const admin = () => env.client.db('admin');

  it('ping answers ok with $clusterTime and operationTime', async () => {
    const reply = await admin().command({ ping: 1 });
    expect(reply.ok).toBe(1);
    expect(reply.$clusterTime.signature.hash.buffer.length).toBe(20);
    expect(reply.operationTime).toBeDefined();
  });

  it('buildInfo reports MongoDB 7.0.0', async () => {
    const reply = await admin().command({ buildInfo: 1 });
    expect(reply).toMatchObject({
      version: '7.0.0',
      versionArray: [7, 0, 0, 0],
      maxBsonObjectSize: 16777216,
      ok: 1,
    });
    const lower = await admin().command({ buildinfo: 1 });
    expect(lower.version).toBe('7.0.0');
  });

  it('hostInfo describes the machine', async () => {
    const reply = await admin().command({ hostInfo: 1 });
    expect(reply.system.numCores).toBeGreaterThan(0);
    expect(typeof reply.os.type).toBe('string');
  });

  it('getParameter answers featureCompatibilityVersion', async () => {
    const reply = await admin().command({ getParameter: 1, featureCompatibilityVersion: 1 });
    expect(reply.featureCompatibilityVersion).toEqual({ version: '7.0' });
  });

  it('getParameter refuses parameters it does not know', async () => {
    await expect(admin().command({ getParameter: 1, notAParameter: 1 })).rejects.toMatchObject({
      code: 115,
    });
    await expect(admin().command({ getParameter: '*' })).rejects.toMatchObject({ code: 115 });
  });

  it('serverStatus reports host, version, process, uptime and connections', async () => {
    const reply = await admin().command({ serverStatus: 1 });
    expect(reply).toMatchObject({ version: '7.0.0', process: 'mongod', ok: 1 });
    expect(reply.connections.current).toBeGreaterThan(0);
    expect(reply.connections.totalCreated).toBeGreaterThanOrEqual(reply.connections.current);
    expect(reply.localTime).toBeInstanceOf(Date);
    expect(typeof reply.uptime).toBe('number');
  });

  it('whatsmyuri answers the client address', async () => {
    const reply = await admin().command({ whatsmyuri: 1 });
    expect(reply.you).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('answers an unknown command with CommandNotFound (59)', async () => {
    const error = await admin()
      .command({ noSuchCommand: 1 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MongoServerError);
    expect(error).toMatchObject({
      code: 59,
      codeName: 'CommandNotFound',
      errmsg: "no such command: 'noSuchCommand'",
    });
  });

  it('matches command names case-sensitively', async () => {
    await expect(admin().command({ PING: 1 })).rejects.toMatchObject({ code: 59 });
    const legacy = await admin().command({ ismaster: 1 });
    expect(legacy.ismaster).toBe(true);
  });

  it('answers a MongoDB command it does not implement with CommandNotSupported (115)', async () => {
    for (const name of ['getCmdLineOpts', 'getLog', 'saslStart', 'replSetGetStatus']) {
      await expect(admin().command({ [name]: 1 })).rejects.toMatchObject({
        code: 115,
        codeName: 'CommandNotSupported',
        errmsg: expect.stringContaining('not supported by mongo-emulator'),
      });
    }
  });

  it('answers every command MongoDB 7 has: implemented, or 115 — never CommandNotFound', async () => {
    const db = env.client.db('every_command');
    const notFound: string[] = [];
    for (const name of MONGODB_7_COMMANDS) {
      const error = await db.command({ [name]: 1 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      if (error instanceof MongoServerError && error.code === 59) notFound.push(name);
    }
    expect(notFound).toEqual([]);
    for (const name of [
      'mapReduce',
      'mapreduce',
      'collStats',
      'dbStats',
      'validate',
      'listCommands',
    ]) {
      await expect(db.command({ [name]: 'c' })).rejects.toMatchObject({
        code: 115,
        codeName: 'CommandNotSupported',
        errmsg: expect.stringMatching(/^the '\w+' command is not supported by mongo-emulator$/),
      });
    }
  });

  it('refuses a command MongoDB does not run in a transaction with 263, as mongod', async () => {
    const session = env.client.startSession();
    try {
      session.startTransaction();
      const error = await env.client
        .db('test')
        .command({ ping: 1 }, { session })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({
        code: 263,
        codeName: 'OperationNotSupportedInTransaction',
        errmsg: "Cannot run 'ping' in a multi-document transaction.",
      });
    } finally {
      await session.abortTransaction().catch(() => undefined);
      await session.endSession();
    }
  });

  it('rejects txnNumber on a command that is not a retryable write', async () => {
    const session = env.client.startSession();
    try {
      const reply = await admin()
        .command({ ping: 1, txnNumber: 1n }, { session })
        .catch((e: unknown) => e);
      expect(reply).toMatchObject({
        code: 50768,
        errmsg: expect.stringContaining('ping is not a retryable write command'),
      });
    } finally {
      await session.endSession();
    }
  });

  it('endSessions, killSessions and refreshSessions answer ok', async () => {
    const session = env.client.startSession();
    const id = session.id;
    await session.endSession();
    expect((await admin().command({ refreshSessions: [id] })).ok).toBe(1);
    expect((await admin().command({ killSessions: [id] })).ok).toBe(1);
    expect((await admin().command({ endSessions: [id] })).ok).toBe(1);
    await expect(admin().command({ endSessions: 'x' })).rejects.toMatchObject({ code: 14 });
  });
});
