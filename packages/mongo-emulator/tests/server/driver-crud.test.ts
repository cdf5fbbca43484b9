import { Long, UUID } from 'bson';
import { MongoClient, MongoNetworkError, MongoServerError, MongoWriteConcernError } from 'mongodb';
import { MongoClient as MongoClient6 } from 'mongodb6';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MongoEmulator } from '../../src/index.js';
import { RawWireClient } from '../helpers/raw-wire-client.js';
import { startTestEmulator, type TestEmulator } from '../helpers/start-test-emulator.js';

describe('driver round trips through storage', () => {
  let env: TestEmulator;
  beforeEach(async () => {
    env = await startTestEmulator();
  });
  afterEach(() => env.stop());

  const coll = () => env.client.db('test').collection<{ _id: number; v?: string }>('c');

  it('connect, insert, find with driver 7', async () => {
    await coll().insertOne({ _id: 1, v: 'a' });
    expect(await coll().find({}).toArray()).toEqual([{ _id: 1, v: 'a' }]);
  });

  it('connect, insert, find, watch with driver 6', async () => {
    const client = new MongoClient6(env.uri, { serverSelectionTimeoutMS: 5000 });
    try {
      const c = client.db('test').collection<{ _id: number; v: string }>('c6');
      await c.insertMany([
        { _id: 1, v: 'a' },
        { _id: 2, v: 'b' },
      ]);
      expect(await c.find({}, { sort: { _id: 1 } }).toArray()).toEqual([
        { _id: 1, v: 'a' },
        { _id: 2, v: 'b' },
      ]);
      const stream = c.watch();
      try {
        await stream.tryNext();
        await c.insertOne({ _id: 3, v: 'c' });
        const change = await stream.next();
        expect(change).toMatchObject({
          operationType: 'insert',
          documentKey: { _id: 3 },
          fullDocument: { _id: 3, v: 'c' },
        });
      } finally {
        await stream.close();
      }
    } finally {
      await client.close();
    }
  });

  it('insertMany sends documents as a kind-1 sequence with driver 7 and they all land', async () => {
    const docs = Array.from({ length: 250 }, (_, i) => ({ _id: i }));
    const result = await coll().insertMany(docs);
    expect(result.insertedCount).toBe(250);
    expect(await coll().countDocuments()).toBe(250);
  });

  it('a raw kind-1 insert sequence is merged into the command', async () => {
    const raw = await RawWireClient.connect(env.server.port);
    try {
      const reply = await raw.command(
        { insert: 'seq', $db: 'test' },
        { sequences: { documents: [{ _id: 'a' }, { _id: 'b' }] } },
      );
      expect(reply).toMatchObject({ ok: 1, n: 2 });
    } finally {
      raw.close();
    }
    expect(await env.client.db('test').collection('seq').countDocuments()).toBe(2);
  });

  it('getMore serves a find in batches and close() kills the cursor', async () => {
    await coll().insertMany(Array.from({ length: 7 }, (_, i) => ({ _id: i })));
    const all = await coll()
      .find({}, { batchSize: 2, sort: { _id: 1 } })
      .toArray();
    expect(all.map((d) => d._id)).toEqual([0, 1, 2, 3, 4, 5, 6]);

    const cursor = coll().find({}, { batchSize: 2 });
    await cursor.next();
    expect(env.server.cursors.size).toBe(1);
    await cursor.close();
    expect(env.server.cursors.size).toBe(0);
  });

  it('an unacknowledged write (w: 0, moreToCome) still applies', async () => {
    await coll().insertOne({ _id: 42 }, { writeConcern: { w: 0 } });
    await vi.waitFor(async () => expect(await coll().countDocuments({ _id: 42 })).toBe(1), {
      timeout: 2000,
      interval: 20,
    });
  });

  it('retries an insert whose connection closed: the document exists exactly once', async () => {
    await env.client.db('admin').command({
      configureFailPoint: 'failCommand',
      mode: { times: 1 },
      data: { failCommands: ['insert'], closeConnection: true },
    });
    await coll().insertOne({ _id: 7 });
    expect(await coll().countDocuments({ _id: 7 })).toBe(1);
  });

  it('labels a retryable error code RetryableWriteError so the driver retries', async () => {
    await env.client.db('admin').command({
      configureFailPoint: 'failCommand',
      mode: { times: 1 },
      data: { failCommands: ['insert'], errorCode: 91 },
    });
    await coll().insertOne({ _id: 8 });
    expect(await coll().countDocuments({ _id: 8 })).toBe(1);
  });

  it('does not retry a non-retryable error code', async () => {
    await env.client.db('admin').command({
      configureFailPoint: 'failCommand',
      mode: { times: 1 },
      data: { failCommands: ['insert'], errorCode: 2 },
    });
    const error = await coll()
      .insertOne({ _id: 9 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MongoServerError);
    expect((error as MongoServerError).errorLabels).toEqual([]);
    expect(await coll().countDocuments({ _id: 9 })).toBe(0);
  });

  it('writeConcernError runs the write and adds the error; a retry answers the stored reply', async () => {
    await env.client.db('admin').command({
      configureFailPoint: 'failCommand',
      mode: { times: 1 },
      data: {
        failCommands: ['insert'],
        writeConcernError: { code: 91, errmsg: 'Replication is being shut down' },
      },
    });
    await coll().insertOne({ _id: 10 });
    expect(await coll().countDocuments({ _id: 10 })).toBe(1);

    await env.client.db('admin').command({
      configureFailPoint: 'failCommand',
      mode: { times: 1 },
      data: {
        failCommands: ['insert'],
        writeConcernError: { code: 64, errmsg: 'waiting for replication timed out' },
      },
    });
    const error = await coll()
      .insertOne({ _id: 11 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MongoWriteConcernError);
    expect(await coll().countDocuments({ _id: 11 })).toBe(1);
  });

  it('answers a replayed retryable write with the stored reply', async () => {
    const raw = await RawWireClient.connect(env.server.port);
    const lsid = { id: new UUID() };
    try {
      const insert = (txnNumber: number) =>
        raw.command({
          insert: 'retry',
          documents: [{ _id: 1 }],
          lsid,
          txnNumber: Long.fromNumber(txnNumber),
          $db: 'test',
        });
      const first = await insert(1);
      expect(first).toMatchObject({ ok: 1, n: 1 });
      const replay = await insert(1);
      expect(replay).toMatchObject({ ok: 1, n: 1, retriedStmtIds: [0] });
      expect(replay.writeErrors).toBeUndefined();
      await insert(2).then((reply) => expect(reply.writeErrors?.[0]?.code).toBe(11000));
      const old = await insert(1);
      expect(old).toMatchObject({ ok: 0, code: 225, codeName: 'TransactionTooOld' });
      const ended = await raw.command({ endSessions: [lsid], $db: 'admin' });
      expect(ended.ok).toBe(1);
    } finally {
      raw.close();
    }
    expect(await env.client.db('test').collection('retry').countDocuments()).toBe(1);
  });

  it('dropConnections destroys client sockets; the driver reconnects', async () => {
    await coll().insertOne({ _id: 1 });
    const before = env.server.connectionCount;
    expect(before).toBeGreaterThan(0);
    env.server.dropConnections();
    const error = await env.client
      .db('admin')
      .command({ ping: 1 })
      .catch((e: unknown) => e);
    if (error !== undefined && !(error instanceof MongoNetworkError)) throw error;
    expect(await coll().countDocuments()).toBe(1);
  });
});

describe('restart', () => {
  it('stop() then start() on the same port keeps the data', async () => {
    const first = await MongoEmulator.start({ port: 0 });
    const port = first.port;
    const client = new MongoClient(first.uri, { serverSelectionTimeoutMS: 5000 });
    try {
      await client.db('test').collection<{ _id: number }>('kept').insertOne({ _id: 1 });
      await first.stop();
      const second = await MongoEmulator.start({ port });
      try {
        expect(await client.db('test').collection<{ _id: number }>('kept').countDocuments()).toBe(
          1,
        );
      } finally {
        await client.close();
        await second.stop();
      }
    } finally {
      await client.close();
      MongoEmulator.discardData(port);
    }
  });

  it('a server started on port 0 starts empty', async () => {
    const server = await MongoEmulator.start({ port: 0 });
    const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 5000 });
    try {
      expect(await client.db('test').collection<{ _id: number }>('kept').countDocuments()).toBe(0);
    } finally {
      await client.close();
      await server.stop();
    }
  });

  it('serves standalone clients', async () => {
    const env = await startTestEmulator({ replicaSet: false });
    try {
      const c = env.client.db('test').collection<{ _id: number }>('s');
      await c.insertOne({ _id: 1 });
      expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1 });
    } finally {
      await env.stop();
    }
  });
});

describe('write concern on a one-member server', () => {
  it('reports an unsatisfiable w as a writeConcernError after the write ran', async () => {
    const env = await startTestEmulator();
    try {
      const c = env.client.db('test').collection<{ _id: number }>('wc');
      const error = await c
        .insertOne({ _id: 1 }, { writeConcern: { w: 2 } })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MongoWriteConcernError);
      expect(error).toMatchObject({ code: 100 });
      const raw = await RawWireClient.connect(env.server.port);
      try {
        const tagged = await raw.command({
          insert: 'wc',
          documents: [{ _id: 2 }],
          writeConcern: { w: 'dc1' },
          $db: 'test',
        });
        expect(tagged).toMatchObject({ ok: 1, n: 1, writeConcernError: { code: 79 } });
      } finally {
        raw.close();
      }
      expect(await c.countDocuments()).toBe(2);
      await c.insertOne({ _id: 3 }, { writeConcern: { w: 'majority' } });
    } finally {
      await env.stop();
    }
  });

  it('a standalone refuses w > 1 before writing', async () => {
    const env = await startTestEmulator({ replicaSet: false });
    try {
      const c = env.client.db('test').collection<{ _id: number }>('wc');
      await expect(c.insertOne({ _id: 1 }, { writeConcern: { w: 2 } })).rejects.toMatchObject({
        code: 2,
        errmsg: "cannot use 'w' > 1 on a standalone mongod",
      });
      expect(await c.countDocuments()).toBe(0);
    } finally {
      await env.stop();
    }
  });
});
