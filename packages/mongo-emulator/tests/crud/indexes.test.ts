import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverError } from '../helpers/server-error.js';
import { startTestEmulator, type TestEmulator } from '../helpers/start-test-emulator.js';

let env: TestEmulator;
beforeAll(async () => {
  env = await startTestEmulator();
});
afterAll(() => env.stop());

type Doc = { _id: number; [key: string]: unknown };
const db = () => env.client.db('idx');

describe('createIndexes / listIndexes / dropIndexes', () => {
  it('creates, lists, re-creates identically and conflicts as MongoDB does', async () => {
    const first = await db().command({
      createIndexes: 'a',
      indexes: [{ key: { name: 1 }, name: 'name_1', unique: true }],
    });
    expect(first).toMatchObject({
      numIndexesBefore: 1,
      numIndexesAfter: 2,
      createdCollectionAutomatically: true,
      ok: 1,
    });
    const again = await db().command({
      createIndexes: 'a',
      indexes: [{ key: { name: 1 }, name: 'name_1', unique: true }],
    });
    expect(again).toMatchObject({
      numIndexesBefore: 2,
      numIndexesAfter: 2,
      note: 'all indexes already exist',
    });
    const indexes = await db().collection('a').listIndexes().toArray();
    expect(indexes).toEqual([
      { v: 2, key: { _id: 1 }, name: '_id_' },
      { v: 2, key: { name: 1 }, name: 'name_1', unique: true },
    ]);
    const options = await serverError(
      db().collection('a').createIndex({ name: 1 }, { name: 'name_1' }),
    );
    expect(options.code).toBe(85);
    const specs = await serverError(
      db().collection('a').createIndex({ other: 1 }, { name: 'name_1' }),
    );
    expect(specs.code).toBe(86);
    const renamed = await serverError(
      db().collection('a').createIndex({ name: 1 }, { name: 'other', unique: true }),
    );
    expect(renamed.code).toBe(85);
  });

  it('keeps the options MongoDB keeps in the catalogue, as given', async () => {
    const c = db().collection<Doc>('catalogue');
    await c.createIndex({ a: 1 }, { background: true, unique: false, sparse: false });
    await c.createIndex({ b: 1 }, { unique: 1, sparse: 0 } as never);
    await db().command({
      createIndexes: 'catalogue',
      indexes: [
        { key: { c: 1 }, name: 'c_1', dropDups: true, collation: { locale: 'simple' }, ns: 'x.y' },
      ],
    });
    expect(await c.listIndexes().toArray()).toEqual([
      { v: 2, key: { _id: 1 }, name: '_id_' },
      { v: 2, key: { a: 1 }, name: 'a_1', background: true, unique: false, sparse: false },
      { v: 2, key: { b: 1 }, name: 'b_1', unique: 1, sparse: 0 },
      { v: 2, key: { c: 1 }, name: 'c_1', dropDups: true },
    ]);
    // `unique: 1` is unique; `background` does not make another index.
    await c.insertOne({ _id: 1, b: 1 });
    expect((await serverError(c.insertOne({ _id: 2, b: 1 }))).code).toBe(11000);
    const again = await c.createIndex({ a: 1 }, { name: 'a_1' });
    expect(again).toBe('a_1');
    const wrongType = await serverError(c.createIndex({ d: 1 }, { unique: 'yes' } as never));
    expect([wrongType.code, wrongType.message]).toEqual([
      14,
      'The field \'unique has value unique: "yes", which is not convertible to bool',
    ]);
  });

  it('keeps hidden indexes up to date but out of plans and hints', async () => {
    const c = db().collection<Doc>('hidden');
    await c.createIndex({ h: 1 }, { hidden: true, unique: true });
    expect((await c.listIndexes().toArray())[1]).toEqual({
      v: 2,
      key: { h: 1 },
      name: 'h_1',
      hidden: true,
      unique: true,
    });
    await c.insertOne({ _id: 1, h: 1 });
    expect((await serverError(c.insertOne({ _id: 2, h: 1 }))).code).toBe(11000);
    const plan = await c.find({ h: 1 }).explain('queryPlanner');
    expect(plan.queryPlanner.winningPlan.stage).toBe('COLLSCAN');
    const hinted = await serverError(c.find({ h: 1 }).hint('h_1').toArray());
    expect([hinted.code, hinted.message]).toEqual([
      2,
      'hint provided does not correspond to an existing index',
    ]);
    const notBool = await serverError(c.createIndex({ g: 1 }, { hidden: 1 } as never));
    expect([notBool.code, notBool.message]).toEqual([
      14,
      "The field 'name' must be a bool, but got int",
    ]);
  });

  it('fails with 11000 when existing data violates a new unique index', async () => {
    const c = db().collection<Doc>('dupdata');
    await c.insertMany([
      { _id: 1, k: 1 },
      { _id: 2, k: 1 },
    ]);
    const error = await serverError(c.createIndex({ k: 1 }, { unique: true }));
    expect(error.code).toBe(11000);
    expect((await c.listIndexes().toArray()).map((i) => i.name)).toEqual(['_id_']);
  });

  it('treats missing fields as null, skips sparse and partial exclusions, indexes array elements', async () => {
    const c = db().collection<Doc>('semantics');
    await c.createIndex({ u: 1 }, { unique: true });
    await c.insertOne({ _id: 1 });
    const missing = await serverError(c.insertOne({ _id: 2 }));
    expect(missing.message).toBe(
      'E11000 duplicate key error collection: idx.semantics index: u_1 dup key: { u: null }',
    );
    await c.insertOne({ _id: 3, u: [1, 2] });
    const multikey = await serverError(c.insertOne({ _id: 4, u: 2 }));
    expect(multikey.code).toBe(11000);

    const sparse = db().collection<Doc>('sparse');
    await sparse.createIndex({ s: 1 }, { unique: true, sparse: true });
    await sparse.insertMany([{ _id: 1 }, { _id: 2 }, { _id: 3, s: 1 }]);
    expect(await sparse.countDocuments()).toBe(3);

    const partial = db().collection<Doc>('partial');
    await partial.createIndex(
      { name: 1, uniqueKey: 1 },
      {
        unique: true,
        partialFilterExpression: {
          uniqueKey: { $exists: true },
          status: { $in: ['pending', 'processing'] },
        },
      },
    );
    await partial.insertMany([
      { _id: 1, name: 'a', uniqueKey: 'k', status: 'completed' },
      { _id: 2, name: 'a', uniqueKey: 'k', status: 'pending' },
      { _id: 3, name: 'a', status: 'pending' },
      { _id: 4, name: 'a', status: 'pending' },
    ]);
    const conflict = await serverError(
      partial.insertOne({ _id: 5, name: 'a', uniqueKey: 'k', status: 'processing' }),
    );
    expect(conflict.message).toBe(
      'E11000 duplicate key error collection: idx.partial index: name_1_uniqueKey_1 dup key: { name: "a", uniqueKey: "k" }',
    );
    await partial.updateOne({ _id: 2 }, { $set: { status: 'completed' } });
    await partial.insertOne({ _id: 5, name: 'a', uniqueKey: 'k', status: 'processing' });
    expect(await partial.countDocuments({ uniqueKey: 'k' })).toBe(3);
  });

  it('rejects partial filter operators MongoDB does not allow', async () => {
    const error = await serverError(
      db()
        .collection('badpartial')
        .createIndex({ a: 1 }, { partialFilterExpression: { a: { $ne: 1 } } }),
    );
    expect(error.code).toBe(67);
  });

  it('drops by name, key pattern, list and *', async () => {
    const c = db().collection('drops');
    await c.createIndexes([
      { key: { a: 1 } },
      { key: { b: 1 } },
      { key: { c: 1 } },
      { key: { d: 1 } },
    ]);
    await c.dropIndex('a_1');
    await db().command({ dropIndexes: 'drops', index: { b: 1 } });
    const list = await db().command({ dropIndexes: 'drops', index: ['c_1'] });
    expect(list).toMatchObject({ nIndexesWas: 3, ok: 1 });
    const missing = await serverError(c.dropIndex('zzz'));
    expect(missing.code).toBe(27);
    expect(missing.message).toBe('index not found with name [zzz]');
    const idIndex = await serverError(c.dropIndex('_id_'));
    expect(idIndex.code).toBe(72);
    const all = await db().command({ dropIndexes: 'drops', index: '*' });
    expect(all).toMatchObject({ nIndexesWas: 2, msg: 'non-_id indexes dropped for collection' });
    expect((await c.listIndexes().toArray()).map((i) => i.name)).toEqual(['_id_']);
  });

  it('answers NamespaceNotFound for listIndexes on a missing collection', async () => {
    const error = await serverError(db().collection('nothing').listIndexes().toArray());
    expect(error.code).toBe(26);
  });
});
