import { MongoServerError, Timestamp } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from '../helpers/start-test-emulator.js';

/** Test documents with the non-ObjectId `_id`s the tests use. */
type AnyDoc = { _id: number | string; [field: string]: unknown };

let env: TestEmulator;
beforeAll(async () => {
  env = await startTestEmulator();
});
afterAll(() => env.stop());

const db = () => env.client.db('extras');

describe('count', () => {
  it('answers a negative skip with MongoDB error 51024', async () => {
    await db()
      .collection<AnyDoc>('counted')
      .insertMany([{ _id: 1 }, { _id: 2 }]);
    const error = await db()
      .command({ count: 'counted', skip: -1 })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(MongoServerError);
    expect((error as MongoServerError).code).toBe(51024);
    expect((error as MongoServerError).message).toBe(
      "BSON field 'skip' value must be >= 0, actual value '-1'",
    );
    expect((await db().command({ count: 'counted', skip: 1 })).n).toBe(1);
    expect((await db().command({ count: 'counted', limit: -1 })).n).toBe(1);
  });
});

describe('$currentDate with $type timestamp', () => {
  it('takes a fresh cluster time tick: after the previous write, before this write', async () => {
    const c = db().collection<{ _id: number; ts?: Timestamp }>('stamped');
    const session = env.client.startSession();
    try {
      await c.insertOne({ _id: 1 }, { session });
      const before = session.operationTime as Timestamp;
      await c.updateOne({ _id: 1 }, { $currentDate: { ts: { $type: 'timestamp' } } }, { session });
      const after = session.operationTime as Timestamp;
      const first = (await c.findOne({ _id: 1 }))?.ts as Timestamp;
      expect(first).toBeInstanceOf(Timestamp);
      expect(first.greaterThan(before)).toBe(true);
      expect(after.greaterThan(first)).toBe(true);
      await c.updateOne({ _id: 1 }, { $currentDate: { ts: { $type: 'timestamp' } } }, { session });
      const second = (await c.findOne({ _id: 1 }))?.ts as Timestamp;
      expect(second.greaterThan(after)).toBe(true);
    } finally {
      await session.endSession();
    }
  });
});
