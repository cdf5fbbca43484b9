import { type Document, Double, Int32, Long, MongoBulkWriteError, type ObjectId } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverError } from '../helpers/server-error.js';
import { startTestEmulator, type TestEmulator } from '../helpers/start-test-emulator.js';

let env: TestEmulator;
beforeAll(async () => {
  env = await startTestEmulator();
});
afterAll(() => env.stop());

type Doc = Document & { _id: number | ObjectId };
const coll = (name: string) => env.client.db('upd').collection<Doc>(name);

describe('update', () => {
  it('updates one or many and reports matched/modified', async () => {
    const c = coll('basic');
    await c.insertMany([
      { _id: 1, n: 1, s: 'a' },
      { _id: 2, n: 2, s: 'a' },
      { _id: 3, n: 3, s: 'b' },
    ]);
    const one = await c.updateOne({ s: 'a' }, { $inc: { n: 10 } });
    expect([one.matchedCount, one.modifiedCount]).toEqual([1, 1]);
    const many = await c.updateMany({ s: 'a' }, { $set: { s: 'c' } });
    expect([many.matchedCount, many.modifiedCount]).toEqual([2, 2]);
    const noop = await c.updateMany({ s: 'c' }, { $set: { s: 'c' } });
    expect([noop.matchedCount, noop.modifiedCount]).toEqual([2, 0]);
    expect(await c.find({}, { sort: { _id: 1 } }).toArray()).toEqual([
      { _id: 1, n: 11, s: 'c' },
      { _id: 2, n: 2, s: 'c' },
      { _id: 3, n: 3, s: 'b' },
    ]);
  });

  it('upserts with $setOnInsert seeded from the filter equalities', async () => {
    const c = coll('upsert');
    const res = await c.updateOne(
      {
        name: 'x',
        'meta.kind': 'k',
        $and: [{ v: 1 }],
        alt: { $eq: 2 },
        $or: [{ no: 1 }],
        r: { $gt: 1 },
      },
      { $setOnInsert: { created: true }, $set: { touched: 1 } },
      { upsert: true },
    );
    expect(res.upsertedCount).toBe(1);
    const doc = await c.findOne({ _id: res.upsertedId as ObjectId });
    expect(doc).toEqual({
      _id: res.upsertedId,
      name: 'x',
      meta: { kind: 'k' },
      v: 1,
      alt: 2,
      created: true,
      touched: 1,
    });
    const again = await c.updateOne(
      { name: 'x' },
      { $setOnInsert: { created: false } },
      { upsert: true },
    );
    expect([again.matchedCount, again.modifiedCount, again.upsertedCount]).toEqual([1, 0, 0]);
  });

  it('replaces documents, keeping _id', async () => {
    const c = coll('replace');
    await c.insertOne({ _id: 1, a: 1, b: 2 });
    await c.replaceOne({ _id: 1 }, { c: 3 });
    expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, c: 3 });
    const err = await serverError(c.replaceOne({ _id: 1 }, { _id: 2, c: 3 }));
    expect(err.code).toBe(66);
  });

  it('applies arrayFilters and $[]', async () => {
    const c = coll('arrays');
    await c.insertOne({ _id: 1, grades: [80, 95, 100], items: [{ q: 1 }, { q: 5 }] });
    await c.updateOne(
      { _id: 1 },
      { $set: { 'grades.$[g]': 0 } },
      { arrayFilters: [{ g: { $gte: 95 } }] },
    );
    await c.updateOne({ _id: 1 }, { $inc: { 'items.$[].q': 1 } });
    await c.updateOne({ _id: 1, 'items.q': 6 }, { $set: { 'items.$.hit': true } });
    expect(await c.findOne({ _id: 1 })).toEqual({
      _id: 1,
      grades: [80, 0, 0],
      items: [{ q: 2 }, { q: 6, hit: true }],
    });
  });

  it('applies pipeline updates and keeps _id and untouched types', async () => {
    const c = coll('pipeline');
    await c.insertOne({ _id: 1, a: 2, big: Long.fromString('9007199254740993') });
    await c.updateOne({ _id: 1 }, [{ $set: { b: { $multiply: ['$a', 3] } } }, { $unset: 'a' }]);
    const doc = await c.findOne({ _id: 1 }, { promoteLongs: false });
    if (!doc) throw new Error('document not found');
    expect(doc.b).toBe(6);
    expect(doc.a).toBeUndefined();
    expect((doc.big as Long).toString()).toBe('9007199254740993');
  });

  it('keeps MongoDB numeric type promotion on $inc', async () => {
    const c = coll('inc');
    await c.insertOne({ _id: 1, i: 2147483647, l: Long.fromNumber(1), d: new Double(1) });
    await c.updateOne({ _id: 1 }, { $inc: { i: 1, l: 1, d: 1 } });
    const doc = await c.findOne({ _id: 1 }, { promoteValues: false });
    if (!doc) throw new Error('document not found');
    expect(doc.i).toBeInstanceOf(Long);
    expect((doc.i as Long).toString()).toBe('2147483648');
    expect(doc.l).toBeInstanceOf(Long);
    expect((doc.l as Long).toNumber()).toBe(2);
    expect(doc.d).toBeInstanceOf(Double);
    await c.updateOne({ _id: 1 }, { $inc: { n: new Int32(5) } });
    expect((await c.findOne({ _id: 1 }))?.n).toBe(5);
  });

  it('answers MongoDB errors for invalid updates', async () => {
    const c = coll('errors');
    await c.insertOne({ _id: 1, s: 'text', n: 1 });
    const inc = await serverError(c.updateOne({ _id: 1 }, { $inc: { s: 1 } }));
    expect(inc.code).toBe(14);
    expect(inc.message).toBe(
      "Cannot apply $inc to a value of non-numeric type. {_id: 1} has the field 's' of non-numeric type string",
    );
    const push = await serverError(c.updateOne({ _id: 1 }, { $push: { s: 1 } as Document }));
    expect(push.code).toBe(2);
    expect(push.message).toBe(
      "The field 's' must be an array but is of type string in document {_id: 1}",
    );
    const id = await serverError(c.updateOne({ _id: 1 }, { $set: { _id: 2 } }));
    expect(id.code).toBe(66);
    expect(id.message).toBe(
      "Performing an update on the path '_id' would modify the immutable field '_id'",
    );
    const conflict = await serverError(
      c.updateOne({ _id: 1 }, { $set: { n: 2 }, $unset: { n: '' } }),
    );
    expect(conflict.code).toBe(40);
    const reply = await env.client
      .db('upd')
      .command({ update: 'errors', updates: [{ q: {}, u: { $foo: { a: 1 } } }] });
    expect(reply.n).toBe(0);
    expect(reply.writeErrors).toHaveLength(1);
    expect(reply.writeErrors[0].index).toBe(0);
    expect(reply.writeErrors[0].code).toBe(9);
    expect(reply.writeErrors[0].errmsg).toMatch(/^Unknown modifier: \$foo/);
  });

  it('reports unique violations from updates as writeErrors with keyPattern and keyValue', async () => {
    const c = coll('unique');
    await c.createIndex({ name: 1 }, { unique: true });
    await c.insertMany([
      { _id: 1, name: 'a' },
      { _id: 2, name: 'b' },
    ]);
    const error = await c
      .bulkWrite([{ updateOne: { filter: { _id: 2 }, update: { $set: { name: 'a' } } } }])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MongoBulkWriteError);
    const we = (error as MongoBulkWriteError).writeErrors as unknown as Array<{
      index: number;
      code: number;
      errmsg: string;
      err: { keyPattern: unknown; keyValue: unknown };
    }>;
    expect(we[0]?.code).toBe(11000);
    expect(we[0]?.errmsg).toBe(
      'E11000 duplicate key error collection: upd.unique index: name_1 dup key: { name: "a" }',
    );
    expect((await c.findOne({ _id: 2 }))?.name).toBe('b');
  });
});

describe('delete', () => {
  it('deletes one or many', async () => {
    const c = coll('del');
    await c.insertMany([
      { _id: 1, k: 1 },
      { _id: 2, k: 1 },
      { _id: 3, k: 2 },
    ]);
    expect((await c.deleteOne({ k: 1 })).deletedCount).toBe(1);
    expect((await c.deleteMany({})).deletedCount).toBe(2);
    expect((await c.deleteMany({ nothing: 1 })).deletedCount).toBe(0);
  });
});
