import {
  Binary,
  Decimal128,
  Double,
  Int32,
  Long,
  MongoServerError,
  ObjectId,
  Timestamp,
  UUID,
} from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from '../helpers/start-test-emulator.js';

let env: TestEmulator;
beforeAll(async () => {
  env = await startTestEmulator();
});
afterAll(() => env.stop());

describe('insert and find through the driver', () => {
  it('round-trips BSON types exactly', async () => {
    const coll = env.client.db('rt').collection('types');
    const doc = {
      _id: new ObjectId(),
      i: 1,
      d: 1.5,
      dd: new Double(2),
      l: Long.fromString('9007199254740993'),
      dec: Decimal128.fromString('1.10'),
      s: 'x',
      b: true,
      n: null,
      date: new Date('2024-01-02T03:04:05.678Z'),
      ts: new Timestamp({ t: 5, i: 6 }),
      bin: new Binary(Buffer.from([1, 2, 3]), 0),
      uuid: new UUID(),
      arr: [1, 'a', { x: 1 }],
      nested: { a: { b: 2 } },
    };
    await coll.insertOne(doc);
    const found = await coll.findOne(
      { _id: doc._id },
      { promoteValues: false, promoteLongs: false },
    );
    if (!found) throw new Error('inserted document not found');
    expect(found.i).toBeInstanceOf(Int32);
    expect(found.dd).toBeInstanceOf(Double);
    expect((found.l as Long).toString()).toBe('9007199254740993');
    expect(String(found.dec)).toBe('1.10');
    expect((found.date as Date).toISOString()).toBe('2024-01-02T03:04:05.678Z');
    expect((found.ts as Timestamp).equals(doc.ts)).toBe(true);
    expect(Buffer.from((found.bin as Binary).buffer).toString('hex')).toBe('010203');
    const plain = await coll.findOne({ _id: doc._id });
    expect(plain?.uuid.toString()).toBe(doc.uuid.toString());
    expect(plain?.nested).toEqual({ a: { b: 2 } });
  });

  it('answers duplicate _id with writeErrors and continues when unordered', async () => {
    const coll = env.client.db('ins').collection('dups');
    await coll.insertOne({ _id: 1 as unknown as ObjectId });
    const error = await coll
      .insertMany([{ _id: 2 }, { _id: 1 }, { _id: 3 }] as unknown as Array<{ _id: ObjectId }>, {
        ordered: false,
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    const bulk = error as {
      code: number;
      writeErrors: Array<{ index: number; code: number; errmsg: string }>;
      result: { insertedCount: number };
    };
    expect(bulk.code).toBe(11000);
    expect(bulk.writeErrors.map((w) => w.index)).toEqual([1]);
    expect(bulk.writeErrors[0]?.errmsg).toBe(
      'E11000 duplicate key error collection: ins.dups index: _id_ dup key: { _id: 1 }',
    );
    expect(await coll.countDocuments()).toBe(3);
  });

  it('stops at the first error when ordered', async () => {
    const coll = env.client.db('ins').collection('ordered');
    const error = await coll
      .insertMany([{ _id: 1 }, { _id: 1 }, { _id: 2 }] as unknown as Array<{ _id: ObjectId }>)
      .catch((e: unknown) => e);
    expect((error as MongoServerError).code).toBe(11000);
    expect(await coll.countDocuments()).toBe(1);
  });

  it('finds with filter, sort, skip, limit and projection', async () => {
    const coll = env.client.db('find').collection('people');
    await coll.insertMany([
      { name: 'a', age: 30, tags: ['x'] },
      { name: 'b', age: 20, tags: ['y', 'x'] },
      { name: 'c', age: 40 },
      { name: 'd', age: Long.fromNumber(25) },
      { name: 'e', age: 35.5 },
    ]);
    const names = await coll
      .find(
        { age: { $gte: 25 } },
        { sort: { age: -1 }, skip: 1, limit: 3, projection: { _id: 0, name: 1 } },
      )
      .toArray();
    expect(names).toEqual([{ name: 'e' }, { name: 'a' }, { name: 'd' }]);
    expect(await coll.countDocuments({ tags: 'x' })).toBe(2);
    expect(await coll.countDocuments({ tags: { $exists: false } })).toBe(3);
    expect(await coll.estimatedDocumentCount()).toBe(5);
    expect(await coll.distinct('tags')).toEqual(['x', 'y']);
  });

  it('pages through batches with getMore', async () => {
    const coll = env.client.db('find').collection('many');
    await coll.insertMany(Array.from({ length: 250 }, (_, i) => ({ i })));
    const all = await coll.find({}, { batchSize: 7 }).sort({ i: 1 }).toArray();
    expect(all.map((d) => d.i)).toEqual(Array.from({ length: 250 }, (_, i) => i));
    const limited = await coll.find({}).limit(-3).toArray();
    expect(limited).toHaveLength(3);
  });

  it('rejects unknown query operators with BadValue', async () => {
    const coll = env.client.db('find').collection('people');
    const error = await coll.findOne({ age: { $foo: 1 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MongoServerError);
    expect((error as MongoServerError).code).toBe(2);
    expect((error as MongoServerError).message).toBe('unknown operator: $foo');
  });
});
