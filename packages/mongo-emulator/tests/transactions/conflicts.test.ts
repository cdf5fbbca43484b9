import { type ClientSession, MongoServerError } from 'mongodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serverError } from '../helpers/server-error.js';
import { startTestEmulator, type TestEmulator } from '../helpers/start-test-emulator.js';

interface Item {
  _id: number;
  v?: number;
  key?: string;
  expires?: Date;
}

/** Tracks whether a promise settled, for asserting that a command is still waiting. */
function track<T>(promise: Promise<T>): { promise: Promise<T>; settled: () => boolean } {
  let settled = false;
  const tracked = promise.finally(() => {
    settled = true;
  });
  return { promise: tracked, settled: () => settled };
}

describe('transactions: write conflicts and waiting writers', () => {
  let env: TestEmulator;
  const sessions: ClientSession[] = [];
  beforeEach(async () => {
    env = await startTestEmulator();
  });
  afterEach(async () => {
    for (const session of sessions.splice(0)) await session.endSession();
    await env.stop();
  });

  const coll = (name = 'items') => env.client.db('test').collection<Item>(name);
  const session = (): ClientSession => {
    const started = env.client.startSession();
    sessions.push(started);
    return started;
  };

  it('two transactions writing one document: the second gets WriteConflict and is aborted', async () => {
    await coll().insertOne({ _id: 1, v: 0 });
    const first = session();
    const second = session();
    first.startTransaction();
    second.startTransaction();
    await coll().updateOne({ _id: 1 }, { $inc: { v: 1 } }, { session: first });

    const conflict = await serverError(
      coll().updateOne({ _id: 1 }, { $inc: { v: 10 } }, { session: second }),
    );
    expect(conflict).toMatchObject({ code: 112, codeName: 'WriteConflict' });
    expect(conflict.errorLabels).toEqual(['TransientTransactionError']);

    // The conflict aborted the second transaction on the server.
    const commit = await serverError(second.commitTransaction());
    expect(commit).toMatchObject({ code: 251, codeName: 'NoSuchTransaction' });
    expect(commit.hasErrorLabel('TransientTransactionError')).toBe(true);

    await first.commitTransaction();
    expect(await coll().findOne({ _id: 1 })).toEqual({ _id: 1, v: 1 });
  });

  it('a transaction writing a document committed after its snapshot gets WriteConflict (first writer wins)', async () => {
    await coll().insertOne({ _id: 1, v: 0 });
    const late = session();
    late.startTransaction();
    await coll().findOne({ _id: 1 }, { session: late });
    await coll().updateOne({ _id: 1 }, { $set: { v: 5 } });

    const conflict = await serverError(
      coll().updateOne({ _id: 1 }, { $set: { v: 7 } }, { session: late }),
    );
    expect(conflict).toMatchObject({ code: 112, errorLabels: ['TransientTransactionError'] });
    expect(await coll().findOne({ _id: 1 })).toEqual({ _id: 1, v: 5 });
  });

  it('two transactions inserting one unique key: the second gets WriteConflict', async () => {
    await coll().createIndex({ key: 1 }, { unique: true });
    const first = session();
    const second = session();
    first.startTransaction();
    second.startTransaction();
    await coll().insertOne({ _id: 1, key: 'k' }, { session: first });
    const conflict = await serverError(coll().insertOne({ _id: 2, key: 'k' }, { session: second }));
    expect(conflict).toMatchObject({ code: 112, errorLabels: ['TransientTransactionError'] });
    await first.commitTransaction();

    // A transaction that starts after the commit sees the key: a duplicate, not a conflict.
    const third = session();
    third.startTransaction();
    const duplicate = await serverError(coll().insertOne({ _id: 3, key: 'k' }, { session: third }));
    expect(duplicate.code).toBe(11000);
    expect(duplicate.errorLabels).toEqual([]);
    expect(await coll().find().toArray()).toEqual([{ _id: 1, key: 'k' }]);
  });

  it('a duplicate key inside a transaction aborts it: the next statement answers NoSuchTransaction', async () => {
    await coll().insertOne({ _id: 1 });
    const txn = session();
    txn.startTransaction();
    await coll().insertOne({ _id: 2 }, { session: txn });
    expect((await serverError(coll().insertOne({ _id: 1 }, { session: txn }))).code).toBe(11000);
    const next = await serverError(coll().insertOne({ _id: 3 }, { session: txn }));
    expect(next).toMatchObject({ code: 251, errorLabels: ['TransientTransactionError'] });
    expect(await coll().find().toArray()).toEqual([{ _id: 1 }]);
  });

  it('a plain write to a document a transaction wrote waits for the commit, then applies on top', async () => {
    await coll().insertOne({ _id: 1, v: 0 });
    const txn = session();
    txn.startTransaction();
    await coll().updateOne({ _id: 1 }, { $inc: { v: 1 } }, { session: txn });

    const plain = track(coll().updateOne({ _id: 1 }, { $inc: { v: 10 } }));
    await expect.poll(() => env.server.transactions.waitingCommands, { timeout: 5000 }).toBe(1);
    expect(plain.settled()).toBe(false);
    expect(await coll().findOne({ _id: 1 })).toEqual({ _id: 1, v: 0 });

    await txn.commitTransaction();
    expect((await plain.promise).modifiedCount).toBe(1);
    expect(await coll().findOne({ _id: 1 })).toEqual({ _id: 1, v: 11 });
  });

  it('a plain write waiting for a transaction that aborts applies to the old document', async () => {
    await coll().createIndex({ key: 1 }, { unique: true });
    const txn = session();
    txn.startTransaction();
    await coll().insertOne({ _id: 1, key: 'k' }, { session: txn });

    // Same unique key, outside the transaction: it waits, then succeeds once the insert is gone.
    const plain = track(coll().insertOne({ _id: 2, key: 'k' }));
    await expect.poll(() => env.server.transactions.waitingCommands, { timeout: 5000 }).toBe(1);
    expect(plain.settled()).toBe(false);
    await txn.abortTransaction();
    await plain.promise;
    expect(await coll().find().toArray()).toEqual([{ _id: 2, key: 'k' }]);
  });

  it('a plain write to other documents of the collection does not wait', async () => {
    await coll().insertMany([{ _id: 1 }, { _id: 2 }]);
    const txn = session();
    txn.startTransaction();
    await coll().updateOne({ _id: 1 }, { $set: { v: 1 } }, { session: txn });
    await coll().updateOne({ _id: 2 }, { $set: { v: 2 } });
    expect(env.server.transactions.waitingCommands).toBe(0);
    await txn.commitTransaction();
    expect(await coll().find().sort({ _id: 1 }).toArray()).toEqual([
      { _id: 1, v: 1 },
      { _id: 2, v: 2 },
    ]);
  });

  it('dropping a collection a transaction used waits for the transaction to end', async () => {
    await coll().insertOne({ _id: 1 });
    const txn = session();
    txn.startTransaction();
    await coll().insertOne({ _id: 2 }, { session: txn });
    const drop = track(coll().drop());
    await expect.poll(() => env.server.transactions.waitingCommands, { timeout: 5000 }).toBe(1);
    expect(drop.settled()).toBe(false);
    await txn.commitTransaction();
    expect(await drop.promise).toBe(true);
    expect(await env.client.db('test').listCollections({ name: 'items' }).toArray()).toEqual([]);
  });

  it('createIndexes waits for a transaction that used the collection, unless every index exists', async () => {
    await coll().createIndex({ v: 1 }, { name: 'v_1' });
    const txn = session();
    txn.startTransaction();
    await coll().insertOne({ _id: 1 }, { session: txn });
    // Existing indexes: answered at once (as mongod, without an exclusive lock).
    expect(await coll().createIndex({ v: 1 }, { name: 'v_1' })).toBe('v_1');
    const fresh = track(coll().createIndex({ key: 1 }, { name: 'key_1' }));
    await expect.poll(() => env.server.transactions.waitingCommands, { timeout: 5000 }).toBe(1);
    expect(fresh.settled()).toBe(false);
    await txn.commitTransaction();
    expect(await fresh.promise).toBe('key_1');
  });

  it('a collection created after the snapshot answers SnapshotUnavailable (transient)', async () => {
    await coll().insertOne({ _id: 1 });
    const txn = session();
    txn.startTransaction();
    await coll().findOne({}, { session: txn });
    await coll('later').insertOne({ _id: 1 });
    const error = await serverError(coll('later').findOne({}, { session: txn }));
    expect(error).toMatchObject({ code: 246, codeName: 'SnapshotUnavailable' });
    expect(error.errorLabels).toEqual(['TransientTransactionError']);
  });

  it('withTransaction retries the callback after a WriteConflict, unchanged: the write lands once', async () => {
    await coll().insertOne({ _id: 1, v: 0 });
    const holder = session();
    holder.startTransaction();
    await coll().updateOne({ _id: 1 }, { $inc: { v: 1 } }, { session: holder });

    const runner = session();
    const errors: unknown[] = [];
    let attempts = 0;
    await runner.withTransaction(async () => {
      attempts += 1;
      try {
        await coll().updateOne({ _id: 1 }, { $inc: { v: 100 } }, { session: runner });
        await coll().insertOne({ _id: 2 }, { session: runner });
      } catch (error) {
        errors.push(error);
        // Let the other transaction finish before the driver runs the callback again.
        if (holder.inTransaction()) await holder.commitTransaction();
        throw error;
      }
    });
    expect(attempts).toBe(2);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(MongoServerError);
    expect(errors[0]).toMatchObject({ code: 112 });
    expect(await coll().find().sort({ _id: 1 }).toArray()).toEqual([
      { _id: 1, v: 101 },
      { _id: 2 },
    ]);
  });

  it('a TTL deletion of a document a transaction wrote makes the transaction fail at commit', async () => {
    await coll().createIndex({ expires: 1 }, { expireAfterSeconds: 0 });
    await coll().insertOne({ _id: 1, v: 0, expires: new Date(0) });
    const txn = session();
    txn.startTransaction();
    await coll().updateOne({ _id: 1 }, { $set: { v: 1 } }, { session: txn });
    expect(env.server.engine.reapExpired(new Date())).toBe(1);
    const commit = await serverError(txn.commitTransaction());
    expect(commit).toMatchObject({ code: 251, codeName: 'NoSuchTransaction' });
    expect(await coll().find().toArray()).toEqual([]);
  });
});
