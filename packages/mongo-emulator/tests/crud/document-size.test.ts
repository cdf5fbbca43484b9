import { MongoServerError } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from '../helpers/start-test-emulator.js';

const MAX = 16 * 1024 * 1024;

let env: TestEmulator;
beforeAll(async () => {
  env = await startTestEmulator();
});
afterAll(() => env.stop());

describe('documents larger than 16 MiB', () => {
  it('rejects an insert with BSONObjectTooLarge and stores nothing', async () => {
    const coll = env.client.db('size').collection<{ _id: number; blob: string }>('insert');
    // Over the limit, yet within the driver's own allowance for command overhead (max + 16 KiB).
    const error = await coll.insertOne({ _id: 1, blob: 'x'.repeat(MAX) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MongoServerError);
    expect(error).toMatchObject({ code: 10334 });
    expect((error as MongoServerError).message).toMatch(
      /^object to insert too large\. size in bytes: \d+, max size: 16777216$/,
    );
    expect(await coll.countDocuments()).toBe(0);
  });

  it('rejects an update whose result is too large and keeps the old version', async () => {
    const coll = env.client.db('size').collection<{ _id: number; a: string; b?: string }>('update');
    await coll.insertOne({ _id: 1, a: 'x'.repeat(MAX / 2 + 10) });
    const error = await coll
      .updateOne({ _id: 1 }, { $set: { b: 'y'.repeat(MAX / 2 + 10) } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MongoServerError);
    expect(error).toMatchObject({
      code: 17419,
      message: 'Resulting document after update is larger than 16777216',
    });
    const stored = await coll.findOne({ _id: 1 });
    expect(stored?.b).toBeUndefined();
  });
});

describe('replies near the 16 MiB limit', () => {
  it('splits a query result into batches that each fit in a reply, as mongod does', async () => {
    const coll = env.client.db('size').collection<{ _id: number; blob: string }>('batches');
    const blob = 'z'.repeat(9 * 1024 * 1024);
    await coll.insertOne({ _id: 1, blob });
    await coll.insertOne({ _id: 2, blob });
    const docs = await coll.find({}, { sort: { _id: 1 } }).toArray();
    expect(docs.map((doc) => [doc._id, doc.blob.length])).toEqual([
      [1, blob.length],
      [2, blob.length],
    ]);
  });

  it('answers distinct with 17217 when its values exceed 16 MiB, as mongod does', async () => {
    const failures: unknown[] = [];
    const local = await startTestEmulator({ onInternalError: (error) => failures.push(error) });
    try {
      const coll = local.client.db('size').collection<{ _id: number; blob: string }>('distinct');
      await coll.insertOne({ _id: 1, blob: 'a'.repeat(9 * 1024 * 1024) });
      await coll.insertOne({ _id: 2, blob: 'b'.repeat(9 * 1024 * 1024) });
      const error = await coll.distinct('blob').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MongoServerError);
      expect(error).toMatchObject({
        code: 17217,
        codeName: 'Location17217',
        message: 'distinct too big, 16mb cap',
      });
      // One value alone fits: the cap is on the whole result.
      expect(await coll.distinct('blob', { _id: 1 })).toHaveLength(1);
      expect(failures).toEqual([]);
      expect(await coll.countDocuments()).toBe(2);
    } finally {
      await local.stop();
    }
  });
});
