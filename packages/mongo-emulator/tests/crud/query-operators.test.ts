import { Binary, DBRef, type Document, Double, Long, type ObjectId } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverError } from '../helpers/server-error.js';
import { startTestEmulator, type TestEmulator } from '../helpers/start-test-emulator.js';

let env: TestEmulator;
beforeAll(async () => {
  env = await startTestEmulator();
});
afterAll(() => env.stop());

type Doc = Document & { _id: number };
const db = () => env.client.db('query_operators');
const ids = (docs: Document[]) => docs.map((d) => d._id);
/** A DBRef whose `$id` is a number (the driver types it as an ObjectId). */
const ref = (collection: string, id: number, database?: string, fields?: Document) =>
  new DBRef(collection, id as unknown as ObjectId, database, fields);

describe('DBRef fields', () => {
  it('matches $ref/$id/$db inside $elemMatch as fields of each element (SERVER-12263)', async () => {
    const c = db().collection<Doc>('people');
    await c.insertMany([
      { _id: 1 },
      {
        _id: 2,
        friends: [ref('people', 1, 'test', { _doctrine_class_name: 'People' })],
      },
      { _id: 3, friends: [ref('people', 2, 'test')] },
      { _id: 4, owner: ref('people', 3) },
    ]);
    expect(ids(await c.find({ friends: { $elemMatch: { $id: 1 } } }).toArray())).toEqual([2]);
    expect(
      ids(await c.find({ friends: { $elemMatch: { $ref: 'people', $id: 2 } } }).toArray()),
    ).toEqual([3]);
    expect(
      ids(
        await c
          .find({ friends: { $elemMatch: { $db: 'test', _doctrine_class_name: 'People' } } })
          .toArray(),
      ),
    ).toEqual([2]);
    // Dotted paths reach DBRef fields, and a whole DBRef matches by equality.
    expect(ids(await c.find({ 'friends.$id': 2 }).toArray())).toEqual([3]);
    expect(ids(await c.find({ owner: ref('people', 3) }).toArray())).toEqual([4]);
    expect(ids(await c.find({ 'owner.$ref': 'people' }).toArray())).toEqual([4]);
    // A stored DBRef comes back as a DBRef.
    const back = await c.findOne({ _id: 2 });
    expect(back?.friends[0]).toBeInstanceOf(DBRef);
    expect(back?.friends[0].fields).toEqual({ _doctrine_class_name: 'People' });
  });
});

describe('filter validation', () => {
  it('answers BadValue (2) for an unknown operator before reading any document', async () => {
    for (const name of ['missing_collection', 'empty_collection']) {
      if (name === 'empty_collection') await db().createCollection(name);
      const c = db().collection<Doc>(name);
      for (const run of [
        () => c.find({ x: { $notAnOperator: 1 } }).toArray(),
        () => c.countDocuments({ x: { $notAnOperator: 1 } }),
        () => c.deleteMany({ x: { $notAnOperator: 1 } }),
        () => c.updateMany({ x: { $notAnOperator: 1 } }, { $set: { y: 1 } }),
        () => c.aggregate([{ $match: { x: { $notAnOperator: 1 } } }]).toArray(),
        () => c.distinct('x', { x: { $notAnOperator: 1 } }),
      ]) {
        // (Write commands report it as a write error, which carries no codeName.)
        const error = await serverError(run());
        expect([error.code, error.message]).toEqual([2, 'unknown operator: $notAnOperator']);
      }
      const top = await serverError(c.find({ $notAnOperator: 1 }).toArray());
      expect([top.code, top.codeName]).toEqual([2, 'BadValue']);
    }
  });
});

describe('bitwise query operators', () => {
  // The collection of MongoDB's $bitsAllSet / $bitsAnySet / … manual pages.
  async function seeded(name: string) {
    const c = db().collection<Doc>(name);
    await c.insertMany([
      { _id: 1, a: 54, binaryValueofA: '00110110' },
      { _id: 2, a: 20, binaryValueofA: '00010100' },
      { _id: 3, a: new Double(20.0), binaryValueofA: '00010100' },
      { _id: 4, a: Binary.createFromBase64('Zg==', 0), binaryValueofA: '01100110' },
    ]);
    return c;
  }

  it('answers the manual examples for positions, numeric and BinData bitmasks', async () => {
    const c = await seeded('bits_manual');
    const run = async (filter: Document) => ids(await c.find(filter).sort({ _id: 1 }).toArray());
    expect(await run({ a: { $bitsAllSet: [1, 5] } })).toEqual([1, 4]);
    expect(await run({ a: { $bitsAllSet: 50 } })).toEqual([1]);
    expect(await run({ a: { $bitsAllSet: Binary.createFromBase64('MC==', 0) } })).toEqual([1]);
    expect(await run({ a: { $bitsAnySet: [1, 5] } })).toEqual([1, 4]);
    expect(await run({ a: { $bitsAnySet: 35 } })).toEqual([1, 4]);
    expect(await run({ a: { $bitsAnySet: Binary.createFromBase64('MC==', 0) } })).toEqual([
      1, 2, 3, 4,
    ]);
    expect(await run({ a: { $bitsAllClear: [1, 5] } })).toEqual([2, 3]);
    expect(await run({ a: { $bitsAllClear: 35 } })).toEqual([2, 3]);
    expect(await run({ a: { $bitsAllClear: Binary.createFromBase64('IA==', 0) } })).toEqual([2, 3]);
    expect(await run({ a: { $bitsAnyClear: [1, 5] } })).toEqual([2, 3]);
    expect(await run({ a: { $bitsAnyClear: 35 } })).toEqual([1, 2, 3, 4]);
    expect(await run({ a: { $bitsAnyClear: Binary.createFromBase64('MC==', 0) } })).toEqual([
      2, 3, 4,
    ]);
  });

  it('sign-extends numbers, zero-extends BinData and skips non-integral or non-numeric values', async () => {
    const c = db().collection<Doc>('bits_values');
    await c.insertMany([
      { _id: 1, v: -5 },
      { _id: 2, v: 5 },
      { _id: 3, v: Binary.createFromBase64('ww==', 0) },
      { _id: 4, v: 2.5 },
      { _id: 5, v: 'five' },
      { _id: 6, v: Long.fromString('-9223372036854775808') },
      { _id: 7, v: [4, 'x'] },
    ]);
    const run = async (filter: Document) => ids(await c.find(filter).sort({ _id: 1 }).toArray());
    expect(await run({ v: { $bitsAllSet: [200] } })).toEqual([1, 6]);
    expect(await run({ v: { $bitsAllClear: [200] } })).toEqual([2, 3, 7]);
    expect(await run({ v: { $bitsAllSet: [63] } })).toEqual([1, 6]);
    expect(await run({ v: { $bitsAnySet: [2] } })).toEqual([2, 7]);
    expect(await run({ v: { $bitsAllSet: [0, 1, 6, 7] } })).toEqual([1, 3]);
  });

  it('refuses malformed bitmasks with BadValue (2)', async () => {
    const c = db().collection<Doc>('bits_errors');
    for (const operand of [-1, 1.5, [-1], [1.5], 'x', { a: 1 }, ['x']]) {
      const error = await serverError(c.find({ v: { $bitsAllSet: operand } }).toArray());
      expect([error.code, error.codeName]).toEqual([2, 'BadValue']);
    }
  });
});
