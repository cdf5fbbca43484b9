import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from '../helpers/start-test-emulator.js';

let env: TestEmulator;
beforeAll(async () => {
  env = await startTestEmulator();
});
afterAll(() => env.stop());

const coll = (name: string) => env.client.db('nullids').collection<{ _id: null; a?: number }>(name);

describe('upserts with _id: null', () => {
  it('updateOne and updateMany store a document whose _id is null', async () => {
    for (const [name, run] of [
      [
        'one',
        (c: ReturnType<typeof coll>) =>
          c.updateOne({ _id: null }, { $set: { a: 1 } }, { upsert: true }),
      ],
      [
        'many',
        (c: ReturnType<typeof coll>) =>
          c.updateMany({ _id: null }, { $set: { a: 1 } }, { upsert: true }),
      ],
    ] as const) {
      const c = coll(name);
      const result = await run(c);
      expect(result.upsertedCount).toBe(1);
      expect(result.upsertedId).toBeNull();
      expect(await c.find().toArray()).toEqual([{ _id: null, a: 1 }]);
      expect(await c.countDocuments({ _id: { $type: 'null' } })).toBe(1);
    }
  });

  it('replaceOne with an _id: null replacement stores _id null', async () => {
    const c = coll('replace');
    // The driver's types omit `_id` from replacements; MongoDB accepts a matching one.
    const replacement: { a: number } = Object.assign({ _id: null }, { a: 2 });
    const result = await c.replaceOne({}, replacement, { upsert: true });
    expect(result.upsertedCount).toBe(1);
    expect(await c.find().toArray()).toEqual([{ _id: null, a: 2 }]);
  });

  it('a second upsert matches the null _id instead of inserting again', async () => {
    const c = coll('again');
    await c.updateOne({ _id: null }, { $set: { a: 1 } }, { upsert: true });
    const second = await c.updateOne({ _id: null }, { $set: { a: 3 } }, { upsert: true });
    expect([second.matchedCount, second.upsertedCount]).toEqual([1, 0]);
    expect(await c.find().toArray()).toEqual([{ _id: null, a: 3 }]);
  });

  it('findOneAndUpdate upserts _id null too', async () => {
    const c = coll('fam');
    const doc = await c.findOneAndUpdate(
      { _id: null },
      { $set: { a: 4 } },
      { upsert: true, returnDocument: 'after' },
    );
    expect(doc).toEqual({ _id: null, a: 4 });
  });
});
