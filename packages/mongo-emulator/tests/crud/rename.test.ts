import type { Document } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverError } from '../helpers/server-error.js';
import { startTestEmulator, type TestEmulator } from '../helpers/start-test-emulator.js';

/** Test documents with the non-ObjectId `_id`s the tests use. */
type AnyDoc = { _id: number | string; [field: string]: unknown };

let env: TestEmulator;
beforeAll(async () => {
  env = await startTestEmulator();
});
afterAll(() => env.stop());

const db = () => env.client.db('ren');

async function names(): Promise<string[]> {
  const infos = await db().listCollections({}, { nameOnly: true }).toArray();
  return infos.map((info) => info.name).sort();
}

describe('renameCollection', () => {
  it('moves documents, indexes and options to the new name', async () => {
    const source = await db().createCollection<AnyDoc>('src1', { validator: { n: { $gte: 0 } } });
    await source.insertMany([
      { _id: 1, n: 1 },
      { _id: 2, n: 2 },
    ]);
    await source.createIndex({ n: 1 }, { unique: true });
    const [before] = await db().listCollections({ name: 'src1' }).toArray();
    const renamed = await source.rename('dst1');
    expect(renamed.collectionName).toBe('dst1');
    expect(await names()).toContain('dst1');
    expect(await names()).not.toContain('src1');
    expect(await renamed.find({}, { sort: { _id: 1 } }).toArray()).toEqual([
      { _id: 1, n: 1 },
      { _id: 2, n: 2 },
    ]);
    expect((await renamed.indexes()).map((index) => index.name)).toEqual(['_id_', 'n_1']);
    const [after] = await db().listCollections({ name: 'dst1' }).toArray();
    expect((after as Document).options).toEqual((before as Document).options);
    expect((after as Document).info.uuid).toEqual((before as Document).info.uuid);
    expect(
      (await serverError(db().collection<AnyDoc>('dst1').insertOne({ _id: 3, n: 1 }))).code,
    ).toBe(11000);
    expect(
      (await serverError(db().collection<AnyDoc>('dst1').insertOne({ _id: 4, n: -1 }))).code,
    ).toBe(121);
  });

  it('answers NamespaceNotFound for a missing source', async () => {
    const error = await serverError(db().collection<AnyDoc>('missing').rename('other'));
    expect([error.code, error.codeName]).toEqual([26, 'NamespaceNotFound']);
  });

  it('answers NamespaceExists unless dropTarget replaces the target', async () => {
    await db().collection<AnyDoc>('src2').insertOne({ _id: 'source' });
    await db().collection<AnyDoc>('dst2').insertOne({ _id: 'target' });
    const error = await serverError(db().collection<AnyDoc>('src2').rename('dst2'));
    expect([error.code, error.codeName]).toEqual([48, 'NamespaceExists']);
    expect(await db().collection<AnyDoc>('dst2').find().toArray()).toEqual([{ _id: 'target' }]);
    await db().collection<AnyDoc>('src2').rename('dst2', { dropTarget: true });
    expect(await db().collection<AnyDoc>('dst2').find().toArray()).toEqual([{ _id: 'source' }]);
    expect(await names()).not.toContain('src2');
  });

  it('must run on admin, within one database, to a different name', async () => {
    await db().collection<AnyDoc>('src3').insertOne({ _id: 1 });
    const notAdmin = await serverError(
      db().command({ renameCollection: 'ren.src3', to: 'ren.dst3' }),
    );
    expect([notAdmin.code, notAdmin.codeName]).toEqual([13, 'Unauthorized']);
    const admin = env.client.db('admin');
    const acrossDatabases = await serverError(
      admin.command({ renameCollection: 'ren.src3', to: 'other.dst3' }),
    );
    expect(acrossDatabases.code).toBe(115);
    expect(acrossDatabases.message).toMatch(/not supported by mongo-emulator/);
    const itself = await serverError(
      admin.command({ renameCollection: 'ren.src3', to: 'ren.src3' }),
    );
    expect(itself.code).toBe(20);
    const invalid = await serverError(admin.command({ renameCollection: 'ren', to: 'ren.x' }));
    expect(invalid.code).toBe(73);
    expect(await names()).toContain('src3');
  });
});
