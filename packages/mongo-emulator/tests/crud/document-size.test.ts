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
