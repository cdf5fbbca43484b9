import { type Document, MongoBulkWriteError, MongoServerError } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverError } from '../helpers/server-error.js';
import { startTestEmulator, type TestEmulator } from '../helpers/start-test-emulator.js';

let env: TestEmulator;
beforeAll(async () => {
  env = await startTestEmulator();
});
afterAll(() => env.stop());

type Doc = Document & { _id: number };
const db = () => env.client.db('options');

async function seeded(name: string) {
  const c = db().collection<Doc>(name);
  await c.insertMany([
    { _id: 1, n: 1, tag: 'b' },
    { _id: 2, n: 2, tag: 'a' },
    { _id: 3, n: 3, tag: 'c' },
  ]);
  return c;
}

describe('let', () => {
  it('binds $$variables in find, aggregate, update, delete and findAndModify', async () => {
    const c = await seeded('let');
    const over = { $expr: { $gt: ['$n', '$$min'] } };
    expect(
      (await c.find(over, { let: { min: 1 }, sort: { _id: 1 } }).toArray()).map((d) => d._id),
    ).toEqual([2, 3]);
    expect(
      await c
        .aggregate(
          [{ $match: over }, { $project: { _id: 1, scaled: { $multiply: ['$n', '$$factor'] } } }],
          { let: { min: 2, factor: { $add: [5, 5] } } },
        )
        .toArray(),
    ).toEqual([{ _id: 3, scaled: 30 }]);
    const updated = await c.updateMany(over, [{ $set: { label: '$$label' } }], {
      let: { min: 2, label: 'big' },
    });
    expect(updated.modifiedCount).toBe(1);
    const modified = await c.findOneAndUpdate(
      { $expr: { $eq: ['$_id', '$$id'] } },
      [{ $set: { n: { $add: ['$n', '$$step'] } } }],
      { let: { id: 1, step: 10 }, returnDocument: 'after' },
    );
    expect(modified).toEqual({ _id: 1, n: 11, tag: 'b' });
    const deleted = await c.deleteMany({ $expr: { $lt: ['$n', '$$max'] } }, { let: { max: 3 } });
    expect(deleted.deletedCount).toBe(1);
    expect(await c.find({}, { sort: { _id: 1 } }).toArray()).toEqual([
      { _id: 1, n: 11, tag: 'b' },
      { _id: 3, n: 3, tag: 'c', label: 'big' },
    ]);
  });

  it('checks variable names and the let document as MongoDB does', async () => {
    const cases: Array<[unknown, number, string]> = [
      [{ Bad: 1 }, 16867, "'Bad' starts with an invalid character for a user variable name"],
      [{ 'a-b': 1 }, 16868, "'a-b' contains an invalid character for a variable name: '-'"],
      [{ '': 1 }, 16866, 'empty variable names are not allowed'],
      [5, 14, "BSON field 'find.let' is the wrong type 'int', expected type 'object'"],
    ];
    for (const [value, code, message] of cases) {
      const error = await serverError(db().command({ find: 'let', filter: {}, let: value }));
      expect([error.code, error.message]).toEqual([code, message]);
    }
  });
});

describe('hint on writes', () => {
  it('update, delete and findAndModify read the hinted index; an unknown hint answers 2', async () => {
    const c = await seeded('hints');
    await c.createIndex({ tag: 1 });
    expect(
      (await c.updateOne({ n: { $gte: 2 } }, { $set: { x: 1 } }, { hint: 'tag_1' })).modifiedCount,
    ).toBe(1);
    // Hinted to the tag index, the first match in its order is tag 'a' (_id 2).
    expect(await c.findOne({ x: 1 })).toMatchObject({ _id: 2 });
    const first = await c.findOneAndUpdate({}, { $set: { y: 1 } }, { hint: { tag: 1 } });
    expect(first?._id).toBe(2);
    expect((await c.deleteOne({ n: { $gt: 0 } }, { hint: { tag: 1 } })).deletedCount).toBe(1);
    expect(await c.countDocuments({ _id: 2 })).toBe(0);

    const update = await c
      .updateOne({}, { $set: { z: 1 } }, { hint: 'nope_1' })
      .catch((error: unknown) => error);
    expect(update).toBeInstanceOf(MongoServerError);
    expect((update as MongoServerError).code).toBe(2);
    const bulk = await c
      .bulkWrite([{ deleteOne: { filter: {}, hint: { nope: 1 } } }])
      .catch((error: unknown) => error);
    expect(bulk).toBeInstanceOf(MongoBulkWriteError);
    expect((bulk as MongoBulkWriteError).writeErrors).toMatchObject([
      { code: 2, errmsg: 'hint provided does not correspond to an existing index' },
    ]);
    const modify = await serverError(c.findOneAndDelete({}, { hint: { nope: 1 } }));
    expect([modify.code, modify.message]).toEqual([
      2,
      'hint provided does not correspond to an existing index',
    ]);
  });

  it('a hint decides the order of unsorted results', async () => {
    const c = await seeded('hint_order');
    await c.createIndex({ tag: -1 });
    expect((await c.find({}).hint({ tag: -1 }).toArray()).map((d) => d._id)).toEqual([3, 1, 2]);
    expect((await c.find({}).hint({ $natural: -1 }).toArray()).map((d) => d._id)).toEqual([
      3, 2, 1,
    ]);
    expect((await c.find({}).sort({ $natural: -1 }).toArray()).map((d) => d._id)).toEqual([
      3, 2, 1,
    ]);
    expect((await c.find({}).hint('_id_').toArray()).map((d) => d._id)).toEqual([1, 2, 3]);
  });
});

describe('collation', () => {
  it("accepts {locale: 'simple'} wherever MongoDB takes a collation, and answers 115 for others", async () => {
    const c = await seeded('collation');
    const simple = { locale: 'simple' };
    await c.find({}, { collation: simple }).toArray();
    await c.aggregate([], { collation: simple }).toArray();
    await c.countDocuments({}, { collation: simple });
    await c.distinct('tag', {}, { collation: simple });
    await c.updateOne({ _id: 1 }, { $set: { s: 1 } }, { collation: simple });
    await c.deleteOne({ _id: 9 }, { collation: simple });
    await c.findOneAndUpdate({ _id: 1 }, { $set: { s: 2 } }, { collation: simple });
    await c.createIndex({ s: 1 }, { collation: simple });
    await db().createCollection('collated', { collation: simple });
    const [info] = await db().listCollections({ name: 'collated' }).toArray();
    // The simple collation is no collation: MongoDB keeps none.
    expect((info as Document).options).toEqual({});
    for (const collation of [{ locale: 'fr' }, { locale: 'simple', strength: 2 }]) {
      const error = await serverError(c.find({}, { collation }).toArray());
      expect([error.code, error.message]).toEqual([
        115,
        "collation other than {locale: 'simple'} is not supported by mongo-emulator",
      ]);
    }
  });
});

describe('comment', () => {
  it('is accepted by every command the emulator implements', async () => {
    const admin = env.client.db('admin');
    const c = await seeded('comments');
    const cursor = await db().command({ find: 'comments', batchSize: 1, comment: 'x' });
    const commands: Array<[Document, 'options' | 'admin']> = [
      [{ find: 'comments', comment: 'x' }, 'options'],
      [{ insert: 'comments', documents: [{ _id: 10 }], comment: { any: 'value' } }, 'options'],
      [
        { update: 'comments', updates: [{ q: { _id: 10 }, u: { $set: { a: 1 } } }], comment: 'x' },
        'options',
      ],
      [{ delete: 'comments', deletes: [{ q: { _id: 10 }, limit: 1 }], comment: 'x' }, 'options'],
      [
        { findAndModify: 'comments', query: { _id: 1 }, update: { $set: { b: 1 } }, comment: 'x' },
        'options',
      ],
      [{ aggregate: 'comments', pipeline: [], cursor: {}, comment: 'x' }, 'options'],
      [{ count: 'comments', comment: 'x' }, 'options'],
      [{ distinct: 'comments', key: 'tag', comment: 'x' }, 'options'],
      [{ explain: { find: 'comments' }, comment: 'x' }, 'options'],
      [{ getMore: cursor.cursor.id, collection: 'comments', comment: 'x' }, 'options'],
      [
        { createIndexes: 'comments', indexes: [{ key: { n: 1 }, name: 'n_1' }], comment: 'x' },
        'options',
      ],
      [{ listIndexes: 'comments', comment: 'x' }, 'options'],
      [{ dropIndexes: 'comments', index: 'n_1', comment: 'x' }, 'options'],
      [{ collMod: 'comments', validator: {}, comment: 'x' }, 'options'],
      [{ listCollections: 1, comment: 'x' }, 'options'],
      [{ create: 'more', comment: 'x' }, 'options'],
      [{ drop: 'more', comment: 'x' }, 'options'],
      [{ listDatabases: 1, comment: 'x' }, 'admin'],
      [{ ping: 1, comment: 'x' }, 'admin'],
      [{ hello: 1, comment: 'x' }, 'admin'],
      [{ buildInfo: 1, comment: 'x' }, 'admin'],
      [{ serverStatus: 1, comment: 'x' }, 'admin'],
    ];
    for (const [command, on] of commands) {
      const reply = await (on === 'admin' ? admin : db()).command(command);
      expect(reply.ok, JSON.stringify(command)).toBe(1);
    }
    expect(c.collectionName).toBe('comments');
  });
});
