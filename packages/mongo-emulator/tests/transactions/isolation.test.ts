import type { ChangeStream, ChangeStreamDocument, Document } from 'mongodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from '../helpers/start-test-emulator.js';

interface Item {
  _id: number;
  v?: number;
  marker?: boolean;
}

/** Opens a change stream (before the writes it should report) and returns it. */
async function openStream(env: TestEmulator, name: string): Promise<ChangeStream<Item>> {
  const stream = env.client.db('test').collection<Item>(name).watch([], { maxAwaitTimeMS: 50 });
  // The driver sends the stream's aggregate on the first read; nothing is there to read yet.
  expect(await stream.tryNext()).toBeNull();
  return stream;
}

async function nextEvents(stream: ChangeStream<Item>, count: number): Promise<Document[]> {
  const events: Document[] = [];
  while (events.length < count) events.push((await stream.next()) as ChangeStreamDocument<Item>);
  return events;
}

describe('transactions: what a transaction sees and what others see', () => {
  let env: TestEmulator;
  beforeEach(async () => {
    env = await startTestEmulator();
  });
  afterEach(() => env.stop());

  const coll = (name = 'items') => env.client.db('test').collection<Item>(name);

  it('sees its own writes; others see them only after the commit', async () => {
    await coll().insertOne({ _id: 1, v: 1 });
    const session = env.client.startSession();
    try {
      session.startTransaction();
      await coll().insertOne({ _id: 2, v: 2 }, { session });
      await coll().updateOne({ _id: 1 }, { $set: { v: 10 } }, { session });
      await coll().deleteOne({ _id: 1 }, { session });
      await coll().insertOne({ _id: 1, v: 100 }, { session });

      expect(await coll().find({}, { session }).sort({ _id: 1 }).toArray()).toEqual([
        { _id: 1, v: 100 },
        { _id: 2, v: 2 },
      ]);
      expect(await coll().countDocuments({}, { session })).toBe(2);
      // A plain reader, and another transaction, still see the committed state.
      expect(await coll().find().toArray()).toEqual([{ _id: 1, v: 1 }]);
      const other = env.client.startSession();
      try {
        other.startTransaction();
        expect(await coll().find({}, { session: other }).toArray()).toEqual([{ _id: 1, v: 1 }]);
        await other.abortTransaction();
      } finally {
        await other.endSession();
      }

      await session.commitTransaction();
    } finally {
      await session.endSession();
    }
    expect(await coll().find().sort({ _id: 1 }).toArray()).toEqual([
      { _id: 1, v: 100 },
      { _id: 2, v: 2 },
    ]);
  });

  it('reads a snapshot taken at its first statement: later commits of others stay invisible', async () => {
    await coll('a').insertOne({ _id: 1, v: 1 });
    await coll('b').insertOne({ _id: 1, v: 1 });
    const session = env.client.startSession();
    const other = env.client.startSession();
    try {
      session.startTransaction();
      expect(await coll('a').findOne({ _id: 1 }, { session })).toEqual({ _id: 1, v: 1 });

      // After the snapshot: a plain write to a collection it already read, a plain write to one it
      // has not touched yet, a new collection, and another transaction's commit.
      await coll('a').updateOne({ _id: 1 }, { $set: { v: 2 } });
      await coll('b').insertOne({ _id: 2, v: 2 });
      other.startTransaction();
      await coll('b').updateOne({ _id: 1 }, { $set: { v: 3 } }, { session: other });
      await other.commitTransaction();

      expect(await coll('a').find({}, { session }).toArray()).toEqual([{ _id: 1, v: 1 }]);
      expect(await coll('b').find({}, { session }).toArray()).toEqual([{ _id: 1, v: 1 }]);
      expect(await coll('a').countDocuments({ v: 1 }, { session })).toBe(1);
      await session.commitTransaction();
    } finally {
      await session.endSession();
      await other.endSession();
    }
    // Outside, the later writes are all there.
    expect(await coll('b').find().sort({ _id: 1 }).toArray()).toEqual([
      { _id: 1, v: 3 },
      { _id: 2, v: 2 },
    ]);
  });

  it('an aborted transaction leaves nothing behind, not even in a change stream', async () => {
    await coll().insertOne({ _id: 1, v: 1 });
    const stream = await openStream(env, 'items');
    try {
      const session = env.client.startSession();
      try {
        session.startTransaction();
        await coll().insertOne({ _id: 2 }, { session });
        await coll().updateOne({ _id: 1 }, { $set: { v: 5 } }, { session });
        await session.abortTransaction();
      } finally {
        await session.endSession();
      }
      await coll().insertOne({ _id: 3, marker: true });
      // Events come in commit order: the first one the stream reports is the marker written
      // after the abort, so the transaction reported nothing.
      const [first] = await nextEvents(stream, 1);
      expect(first).toMatchObject({ operationType: 'insert', documentKey: { _id: 3 } });
    } finally {
      await stream.close();
    }
    expect(await coll().find().sort({ _id: 1 }).toArray()).toEqual([
      { _id: 1, v: 1 },
      { _id: 3, marker: true },
    ]);
  });

  it('reports the writes to a stream opened before, at the commit, in order, with one lsid, txnNumber and cluster time', async () => {
    await coll().insertOne({ _id: 1, v: 1 });
    const stream = await openStream(env, 'items');
    const session = env.client.startSession();
    try {
      session.startTransaction();
      await coll().insertOne({ _id: 2 }, { session });
      await coll().updateOne({ _id: 1 }, { $set: { v: 2 } }, { session });
      await coll().deleteOne({ _id: 2 }, { session });
      // Written outside, after the transaction's writes but before its commit.
      await coll().insertOne({ _id: 3, marker: true });
      await session.commitTransaction();

      const events = await nextEvents(stream, 4);
      expect(events.map((event) => [event.operationType, event.documentKey])).toEqual([
        ['insert', { _id: 3 }],
        ['insert', { _id: 2 }],
        ['update', { _id: 1 }],
        ['delete', { _id: 2 }],
      ]);
      const [marker, ...transaction] = events as Document[];
      expect(marker?.lsid).toBeUndefined();
      expect(marker?.txnNumber).toBeUndefined();
      for (const event of transaction) {
        expect(event.lsid.id.toString('hex')).toBe(session.id?.id.toString('hex'));
        expect(event.txnNumber).toBe(1);
        expect(event.clusterTime).toEqual(transaction[0]?.clusterTime);
      }
      expect(transaction[1]?.updateDescription).toMatchObject({ updatedFields: { v: 2 } });
      expect(transaction[0]?.clusterTime.greaterThan(marker?.clusterTime)).toBe(true);
    } finally {
      await session.endSession();
      await stream.close();
    }
  });

  it('a collection created inside the transaction exists for others only after the commit', async () => {
    const session = env.client.startSession();
    try {
      session.startTransaction();
      await env.client.db('test').createCollection('fresh', { session });
      await coll('fresh').createIndex({ v: 1 }, { session, name: 'v_1' });
      await coll('fresh').insertOne({ _id: 1, v: 1 }, { session });
      const listed = await env.client.db('test').listCollections({ name: 'fresh' }).toArray();
      expect(listed).toEqual([]);
      await session.commitTransaction();
    } finally {
      await session.endSession();
    }
    expect(await coll('fresh').find().toArray()).toEqual([{ _id: 1, v: 1 }]);
    const indexes = await coll('fresh').listIndexes().toArray();
    expect(indexes.map((index) => index.name)).toEqual(['_id_', 'v_1']);
  });

  it('refuses writes to a capped collection, which MongoDB does not allow in a transaction', async () => {
    await env.client.db('test').createCollection('ring', { capped: true, size: 4096, max: 2 });
    await coll('ring').insertMany([{ _id: 1 }, { _id: 2 }]);
    const session = env.client.startSession();
    try {
      session.startTransaction();
      await expect(coll('ring').insertOne({ _id: 3 }, { session })).rejects.toMatchObject({
        code: 115,
        message:
          'writing to the capped collection test.ring in a transaction is not supported by mongo-emulator',
      });
      await session.abortTransaction();
    } finally {
      await session.endSession();
    }
    expect(await coll('ring').find().toArray()).toEqual([{ _id: 1 }, { _id: 2 }]);
  });

  it('reports the collection and index it created to an expanded stream at the commit, not before', async () => {
    const stream = env.client
      .db('test')
      .watch([], { showExpandedEvents: true, maxAwaitTimeMS: 50 });
    expect(await stream.tryNext()).toBeNull();
    const session = env.client.startSession();
    try {
      session.startTransaction();
      await env.client.db('test').createCollection('made', { session });
      await coll('made').createIndex({ v: 1 }, { session, name: 'v_1' });
      await coll('made').insertOne({ _id: 1, v: 1 }, { session });
      expect(await stream.tryNext()).toBeNull();
      await session.commitTransaction();
      const seen: Document[] = [];
      while (seen.length < 3) seen.push((await stream.next()) as Document);
      expect(seen.map((event) => event.operationType)).toEqual([
        'create',
        'createIndexes',
        'insert',
      ]);
      expect(seen[1]?.operationDescription).toEqual({
        indexes: [{ v: 2, key: { v: 1 }, name: 'v_1' }],
      });
      expect(new Set(seen.map((event) => String(event.txnNumber)))).toEqual(new Set(['1']));
    } finally {
      await session.endSession();
      await stream.close();
    }
  });
});
