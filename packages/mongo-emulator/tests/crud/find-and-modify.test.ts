import { MongoServerError } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from '../helpers/start-test-emulator.js';

let env: TestEmulator;
beforeAll(async () => {
  env = await startTestEmulator();
});
afterAll(() => env.stop());

type Doc = { _id: number; [key: string]: unknown };
const db = () => env.client.db('fam');

describe('findAndModify', () => {
  it('returns the document before or after, honouring sort and fields', async () => {
    const c = db().collection<Doc>('basic');
    await c.insertMany([
      { _id: 1, p: 2, s: 'pending' },
      { _id: 2, p: 1, s: 'pending' },
    ]);
    const before = await c.findOneAndUpdate(
      { s: 'pending' },
      { $set: { s: 'done' } },
      { sort: { p: 1 } },
    );
    expect(before).toEqual({ _id: 2, p: 1, s: 'pending' });
    const after = await c.findOneAndUpdate(
      { s: 'pending' },
      { $set: { s: 'done' } },
      { returnDocument: 'after', projection: { s: 1, _id: 0 } },
    );
    expect(after).toEqual({ s: 'done' });
    expect(await c.findOneAndUpdate({ s: 'pending' }, { $set: { s: 'x' } })).toBeNull();
  });

  it('answers lastErrorObject as MongoDB does', async () => {
    await db()
      .collection('raw')
      .insertOne({ _id: 1 as never, a: 1 });
    const updated = await db().command({
      findAndModify: 'raw',
      query: { _id: 1 },
      update: { $set: { a: 2 } },
    });
    expect(updated.lastErrorObject).toEqual({ n: 1, updatedExisting: true });
    expect(updated.value).toEqual({ _id: 1, a: 1 });
    const upserted = await db().command({
      findAndModify: 'raw',
      query: { _id: 7 },
      update: { $set: { a: 3 } },
      upsert: true,
      new: true,
    });
    expect(upserted.lastErrorObject).toEqual({ n: 1, updatedExisting: false, upserted: 7 });
    expect(upserted.value).toEqual({ _id: 7, a: 3 });
    const missing = await db().command({
      findAndModify: 'raw',
      query: { _id: 99 },
      update: { $set: { a: 1 } },
    });
    expect(missing.lastErrorObject).toEqual({ n: 0, updatedExisting: false });
    expect(missing.value).toBeNull();
    const removed = await db().command({ findAndModify: 'raw', query: { _id: 7 }, remove: true });
    expect(removed.lastErrorObject).toEqual({ n: 1 });
    expect(removed.value).toEqual({ _id: 7, a: 3 });
  });

  it('replaces and deletes through the driver helpers', async () => {
    const c = db().collection<Doc>('helpers');
    await c.insertOne({ _id: 1, a: 1 });
    const replaced = await c.findOneAndReplace({ _id: 1 }, { b: 2 }, { returnDocument: 'after' });
    expect(replaced).toEqual({ _id: 1, b: 2 });
    const deleted = await c.findOneAndDelete({ b: 2 });
    expect(deleted).toEqual({ _id: 1, b: 2 });
    expect(await c.countDocuments()).toBe(0);
  });

  it('answers a duplicate key as a top-level 11000 with keyPattern and keyValue', async () => {
    const c = db().collection<Doc>('dup');
    await c.createIndex({ name: 1 }, { unique: true });
    await c.insertMany([
      { _id: 1, name: 'x' },
      { _id: 2, name: 'y' },
    ]);
    const error = await c
      .findOneAndUpdate({ _id: 2 }, { $set: { name: 'x' } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MongoServerError);
    const e = error as MongoServerError;
    expect(e.code).toBe(11000);
    expect(e.message).toBe(
      'E11000 duplicate key error collection: fam.dup index: name_1 dup key: { name: "x" }',
    );
    expect(e.keyPattern).toEqual({ name: 1 });
    expect(e.keyValue).toEqual({ name: 'x' });
  });

  it('rejects update together with remove', async () => {
    const error = await db()
      .command({ findAndModify: 'raw', query: {}, remove: true, update: { $set: { a: 1 } } })
      .catch((e: unknown) => e);
    expect((error as MongoServerError).code).toBe(9);
  });
});
