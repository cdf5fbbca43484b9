import { type ClientSession, MongoServerError } from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';
import { DatabaseError, InvalidArgumentError } from '../../src/errors.js';
import type { Monque } from '../../src/monque.js';
import { createJobDocument } from '../../src/testing/create-job-document.js';
import { nextEvent, useSchedulerHarness } from '../setup/scheduler-harness.js';

describe('writes in the caller’s transaction', () => {
  const harness = useSchedulerHarness('transactions');
  const sessions: ClientSession[] = [];

  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((session) => session.endSession()));
  });

  function startSession(): ClientSession {
    const session = harness.db.client.startSession();
    sessions.push(session);
    return session;
  }

  /**
   * A running instance with a worker for `probe` jobs and for `name`, recording in `log` when a
   * job of `name` starts. `probeRound` enqueues a probe outside any transaction and resolves once
   * it completed: the worker has claimed since every earlier write was made.
   */
  async function watchingWorker(name: string, log: string[]) {
    const monque = harness.create({ collectionName: harness.collectionName() });
    monque.worker(name, async (job) => {
      log.push(`start ${JSON.stringify(job.data)}`);
    });
    monque.worker('probe', async () => {});
    await monque.start();
    return {
      monque,
      async probeRound(): Promise<void> {
        const { job } = await monque.enqueue('probe', null);
        for (;;) {
          const [{ job: completed }] = await nextEvent(monque, 'job:complete');
          if (completed._id.equals(job._id)) return;
        }
      },
    };
  }

  it('a job enqueued in a transaction is claimed once, after the commit, never before', async () => {
    const log: string[] = [];
    const { monque, probeRound } = await watchingWorker('invoice', log);
    const session = startSession();
    session.startTransaction();
    const { job, created } = await monque.enqueue('invoice', { n: 1 }, { session });
    expect(created).toBe(true);
    // Outside the transaction nothing is there, and a worker that claimed since sees nothing.
    expect(await monque.collection.findOne({ _id: job._id })).toBeNull();
    await probeRound();
    expect(log).toEqual([]);

    const completed = nextEvent(monque, 'job:complete');
    // Logged before the commit is sent: the server may apply it (and the worker see the job)
    // before this process reads the reply.
    log.push('commit sent');
    await session.commitTransaction();
    const [{ job: done }] = await completed;
    expect(done._id.equals(job._id)).toBe(true);
    expect(log).toEqual(['commit sent', 'start {"n":1}']);
    await probeRound();
    expect(log).toEqual(['commit sent', 'start {"n":1}']);
    expect(await monque.collection.findOne({ _id: job._id })).toMatchObject({
      status: 'completed',
    });
  });

  it('a job enqueued in an aborted transaction is never visible and never run', async () => {
    const log: string[] = [];
    const { monque, probeRound } = await watchingWorker('invoice', log);
    const session = startSession();
    session.startTransaction();
    const { job } = await monque.enqueue('invoice', { n: 1 }, { session });
    await probeRound();
    await session.abortTransaction();
    await probeRound();
    expect(log).toEqual([]);
    expect(await monque.collection.findOne({ _id: job._id })).toBeNull();
    expect(await monque.collection.countDocuments({ name: 'invoice' })).toBe(0);
  });

  it('withTransaction run again after a write conflict leaves exactly one job', async () => {
    const log: string[] = [];
    const { monque, probeRound } = await watchingWorker('invoice', log);
    const orders = harness.db.collection<{ _id: number; total: number }>('tx_orders');
    await orders.deleteMany({});
    await orders.insertOne({ _id: 1, total: 0 });
    // Another transaction holds the order, so the first attempt's write to it conflicts.
    const holder = startSession();
    holder.startTransaction();
    await orders.updateOne({ _id: 1 }, { $set: { total: 1 } }, { session: holder });

    const session = startSession();
    let attempts = 0;
    const errors: unknown[] = [];
    await session.withTransaction(async () => {
      attempts += 1;
      await monque.enqueue('invoice', { attempt: attempts }, { session });
      try {
        await orders.updateOne({ _id: 1 }, { $inc: { total: 10 } }, { session });
      } catch (error) {
        errors.push(error);
        if (attempts === 1) await holder.commitTransaction();
        throw error;
      }
    });
    expect(attempts).toBe(2);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(MongoServerError);
    expect((errors[0] as MongoServerError).hasErrorLabel('TransientTransactionError')).toBe(true);
    expect(await orders.findOne({ _id: 1 })).toEqual({ _id: 1, total: 11 });
    const jobs = await monque.collection.find({ name: 'invoice' }).toArray();
    expect(jobs.map((job) => job.data)).toEqual([{ attempt: 2 }]);
    await probeRound();
    expect(log).toEqual(['start {"attempt":2}']);
  });

  describe('uniqueKey', () => {
    it('returns the active job the transaction sees, committed before it or its own', async () => {
      const monque = harness.create({ collectionName: harness.collectionName() });
      const { job: committed } = await monque.enqueue('sync', { v: 1 }, { uniqueKey: 'a' });
      const session = startSession();
      await session.withTransaction(async () => {
        const again = await monque.enqueue('sync', { v: 2 }, { uniqueKey: 'a', session });
        expect(again.created).toBe(false);
        expect(again.job._id.equals(committed._id)).toBe(true);
        const first = await monque.enqueue('sync', { v: 3 }, { uniqueKey: 'b', session });
        const second = await monque.enqueue('sync', { v: 4 }, { uniqueKey: 'b', session });
        expect([first.created, second.created]).toEqual([true, false]);
        expect(second.job._id.equals(first.job._id)).toBe(true);
      });
      const stored = await monque.collection.find({}, { sort: { uniqueKey: 1 } }).toArray();
      expect(stored.map((job) => [job.uniqueKey, job.data])).toEqual([
        ['a', { v: 1 }],
        ['b', { v: 3 }],
      ]);
    });

    it('a concurrent transaction holding the key makes the other run again, which then finds its job', async () => {
      const monque = harness.create({ collectionName: harness.collectionName() });
      await monque.initialize();
      const first = startSession();
      first.startTransaction();
      const { job: held } = await monque.enqueue(
        'sync',
        { by: 'first' },
        {
          uniqueKey: 'k',
          session: first,
        },
      );
      const second = startSession();
      const results: { created: boolean; id: string }[] = [];
      const errors: unknown[] = [];
      await second.withTransaction(async () => {
        try {
          const { job, created } = await monque.enqueue(
            'sync',
            { by: 'second' },
            {
              uniqueKey: 'k',
              session: second,
            },
          );
          results.push({ created, id: job._id.toHexString() });
        } catch (error) {
          errors.push(error);
          await first.commitTransaction();
          throw error;
        }
      });
      // The conflict reached withTransaction as the driver's error, with its label.
      expect(errors).toHaveLength(1);
      expect(errors[0]).toBeInstanceOf(MongoServerError);
      expect(errors[0]).toMatchObject({ code: 112 });
      expect((errors[0] as MongoServerError).hasErrorLabel('TransientTransactionError')).toBe(true);
      expect(results).toEqual([{ created: false, id: held._id.toHexString() }]);
      const stored = await monque.collection.find({}).toArray();
      expect(stored.map((job) => job.data)).toEqual([{ by: 'first' }]);
    });

    it('two concurrent transactions enqueueing one key leave exactly one job, whatever the interleaving', async () => {
      const monque = harness.create({ collectionName: harness.collectionName() });
      await monque.initialize();
      for (let round = 0; round < 5; round += 1) {
        const key = `k${round}`;
        const outcomes = await Promise.all(
          ['a', 'b'].map(async (by) => {
            const session = startSession();
            let outcome: { created: boolean; id: string } | undefined;
            await session.withTransaction(async () => {
              // A business write first, so the transactions overlap in different ways.
              await harness.db.collection('tx_audit').insertOne({ round, by }, { session });
              const { job, created } = await monque.enqueue(
                'sync',
                { by },
                {
                  uniqueKey: key,
                  session,
                },
              );
              outcome = { created, id: job._id.toHexString() };
            });
            return outcome;
          }),
        );
        const stored = await monque.collection.find({ uniqueKey: key }).toArray();
        expect(stored).toHaveLength(1);
        expect(outcomes.map((outcome) => outcome?.created).sort()).toEqual([false, true]);
        expect(outcomes.map((outcome) => outcome?.id)).toEqual([
          stored[0]?._id.toHexString(),
          stored[0]?._id.toHexString(),
        ]);
      }
    });
  });

  it('enqueueMany adds all its jobs at the commit, and none when aborted', async () => {
    const monque = harness.create({ collectionName: harness.collectionName() });
    const jobs = [
      { name: 'mail', data: { to: 'a' } },
      { name: 'mail', data: { to: 'b' }, options: { runAt: new Date(Date.now() + 60_000) } },
    ];
    const aborted = startSession();
    aborted.startTransaction();
    expect(await monque.enqueueMany(jobs, { session: aborted })).toHaveLength(2);
    expect(await monque.collection.countDocuments({})).toBe(0);
    await aborted.abortTransaction();
    expect(await monque.collection.countDocuments({})).toBe(0);

    const committed = startSession();
    const added = await committed.withTransaction(() =>
      monque.enqueueMany(jobs, { session: committed }),
    );
    const stored = await monque.collection.find({}, { sort: { _id: 1 } }).toArray();
    expect(stored.map((job) => job._id.toHexString())).toEqual(
      added.map((job) => job._id.toHexString()),
    );
  });

  it('schedule writes its recurring job in the transaction: kept at the commit, gone when aborted', async () => {
    const monque = harness.create({ collectionName: harness.collectionName() });
    const aborted = startSession();
    aborted.startTransaction();
    await monque.schedule('0 * * * *', 'digest', null, { session: aborted });
    await aborted.abortTransaction();
    expect(await monque.collection.countDocuments({})).toBe(0);

    const committed = startSession();
    const job = await committed.withTransaction(async () => {
      const created = await monque.schedule(
        '0 * * * *',
        'digest',
        { v: 1 },
        { session: committed },
      );
      // Within the same transaction, a changed schedule updates the job it sees.
      const updated = await monque.schedule(
        '0 9 * * *',
        'digest',
        { v: 2 },
        {
          session: committed,
        },
      );
      expect(updated._id.equals(created._id)).toBe(true);
      return updated;
    });
    expect(await monque.collection.find({}).toArray()).toEqual([job]);
    expect(job).toMatchObject({ repeatInterval: '0 9 * * *', data: { v: 2 } });
  });

  it('schedule and unschedule in a transaction adopt a legacy schedule without a duplicate-key error', async () => {
    const monque = harness.create({ collectionName: harness.collectionName() });
    await monque.initialize();
    const legacy = (name: string) =>
      createJobDocument({
        name,
        data: null,
        nextRunAt: new Date(Date.now() + 3_600_000),
        repeatInterval: '0 * * * *',
        uniqueKey: name,
      });
    const alone = legacy('alone');
    const twice = legacy('twice');
    const current = { ...legacy('twice'), scheduleKey: 'twice' } as Record<string, unknown>;
    delete current.uniqueKey;
    const gone = legacy('gone');
    await monque.collection.insertMany([alone, twice, current as never, gone]);

    const session = startSession();
    await session.withTransaction(async () => {
      const adopted = await monque.schedule('0 * * * *', 'alone', null, { session });
      expect(adopted._id.equals(alone._id)).toBe(true);
      // Stored under both keys: the legacy copy is deleted, the current job kept.
      const kept = await monque.schedule('0 * * * *', 'twice', null, { session });
      expect(kept._id.equals(current._id as never)).toBe(true);
      expect(await monque.unschedule('gone', { session })).toMatchObject({ outcome: 'done' });
    });
    expect(await monque.collection.findOne({ _id: alone._id })).toMatchObject({
      scheduleKey: 'alone',
    });
    expect(await monque.collection.findOne({ _id: twice._id })).toBeNull();
    expect(await monque.collection.findOne({ _id: gone._id })).toMatchObject({
      status: 'cancelled',
      scheduleKey: 'gone',
    });
  });

  it('cancelJob and cancelJobs in a transaction: the job stays pending until the commit, and when aborted', async () => {
    const monque = harness.create({ collectionName: harness.collectionName() });
    const { job } = await monque.enqueue('mail', null, { runAt: new Date(Date.now() + 60_000) });
    const recurring = await monque.schedule('0 * * * *', 'report', null);

    const aborted = startSession();
    aborted.startTransaction();
    expect(await monque.cancelJob(job._id, { session: aborted })).toMatchObject({
      outcome: 'done',
    });
    expect(await monque.getJob(job._id)).toMatchObject({ status: 'pending' });
    await aborted.abortTransaction();
    expect(await monque.getJob(job._id)).toMatchObject({ status: 'pending' });

    const committed = startSession();
    const result = await committed.withTransaction(async () => {
      const one = await monque.cancelJob(job._id, { session: committed });
      const bulk = await monque.cancelJobs({ name: 'report' }, { session: committed });
      expect(await monque.getJob(job._id)).toMatchObject({ status: 'pending' });
      return { one, bulk };
    });
    expect(result.one).toMatchObject({ outcome: 'done' });
    expect(result.bulk).toEqual({ done: 1, requested: 0 });
    expect(await monque.getJob(job._id)).toMatchObject({ status: 'cancelled' });
    const next = await monque.getJob(recurring._id);
    expect(next?.nextRunAt.getTime()).toBeGreaterThan(recurring.nextRunAt.getTime());
  });

  it('retry, reschedule and delete write in the session; a held uniqueKey is refused without aborting it', async () => {
    const monque = harness.create({ collectionName: harness.collectionName() });
    await monque.initialize();
    const failed = (uniqueKey?: string) =>
      createJobDocument({ name: 'sync', data: null, status: 'failed', uniqueKey });
    const plain = failed();
    const keyed = failed('k');
    const keyedTwin = failed('k');
    const held = failed('h');
    const free = failed('f');
    await monque.collection.insertMany([plain, keyed, keyedTwin, held, free]);
    await monque.enqueue('sync', null, { uniqueKey: 'h' });
    const { job: later } = await monque.enqueue('mail', null, {
      runAt: new Date(Date.now() + 60_000),
    });
    const runAt = new Date(Date.now() + 120_000);

    const session = startSession();
    await session.withTransaction(async () => {
      expect(await monque.retryJob('ffffffffffffffffffffffff', { session })).toEqual({
        outcome: 'not-found',
      });
      const refused = await monque.retryJob(held._id, { session });
      expect(refused).toMatchObject({ outcome: 'refused' });
      expect(refused.outcome === 'refused' && refused.reason).toMatch(/uniqueKey "h" exists/);
      expect(await monque.retryJob(keyed._id, { session })).toMatchObject({ outcome: 'done' });
      expect(await monque.retryJob(keyed._id, { session })).toMatchObject({
        outcome: 'refused',
        reason: 'job is pending: only failed or cancelled jobs can be retried',
      });
      // The twin's key is now held by the job retried just before, in this transaction; the
      // plain job and the one with a free key are retried.
      expect(await monque.retryJobs({ name: 'sync' }, { session })).toEqual({
        done: 2,
        requested: 0,
      });
      expect(await monque.rescheduleJob(later._id, runAt, { session })).toMatchObject({
        outcome: 'done',
      });
      expect(await monque.deleteJob(plain._id, { session })).toMatchObject({ outcome: 'done' });
      expect(await monque.deleteJobs({ name: 'nothing' }, { session })).toEqual({
        done: 0,
        requested: 0,
      });
    });
    expect(await monque.getJob(keyed._id)).toMatchObject({ status: 'pending' });
    expect(await monque.getJob(keyedTwin._id)).toMatchObject({ status: 'failed' });
    expect(await monque.getJob(held._id)).toMatchObject({ status: 'failed' });
    expect(await monque.getJob(free._id)).toMatchObject({ status: 'pending' });
    expect(await monque.getJob(plain._id)).toBeNull();
    expect(await monque.getJob(later._id)).toMatchObject({ nextRunAt: runAt });
    // The session outside a transaction: the write runs in it, as a plain session.
    expect(await monque.retryJob(free._id, { session })).toMatchObject({
      outcome: 'refused',
      reason: 'job is pending: only failed or cancelled jobs can be retried',
    });
  });

  describe('the session option is checked before anything is written', () => {
    async function refusals(monque: Monque, session: unknown) {
      const options = { session } as never;
      const calls = [
        () => monque.enqueue('mail', null, options),
        () => monque.now('mail', null, options),
        () => monque.enqueueMany([{ name: 'mail', data: null }], options),
        () => monque.schedule('0 * * * *', 'mail', null, options),
        () => monque.unschedule('mail', options),
        () => monque.cancelJob('ffffffffffffffffffffffff', options),
        () => monque.cancelJobs({ name: 'mail' }, options),
        () => monque.retryJob('ffffffffffffffffffffffff', options),
        () => monque.retryJobs({ name: 'mail' }, options),
        () => monque.rescheduleJob('ffffffffffffffffffffffff', new Date(), options),
        () => monque.deleteJob('ffffffffffffffffffffffff', options),
        () => monque.deleteJobs({ name: 'mail' }, options),
      ];
      const errors: unknown[] = [];
      for (const call of calls) {
        errors.push(
          await call().then(
            () => undefined,
            (error: unknown) => error,
          ),
        );
      }
      return errors;
    }

    it('refuses what is not a session of this client, or an ended one', async () => {
      const monque = harness.create({ collectionName: harness.collectionName() });
      const otherClient = (await harness.separateDb()).client;
      const ended = startSession();
      await ended.endSession();
      const cases: [unknown, RegExp][] = [
        [{ inTransaction: () => true }, /must be a ClientSession/],
        ['session', /must be a ClientSession/],
        [ended, /must not have ended/],
        [otherClient.startSession(), /same MongoClient/],
      ];
      for (const [session, message] of cases) {
        const errors = await refusals(monque, session);
        expect(errors).toHaveLength(12);
        for (const error of errors) {
          expect(error).toBeInstanceOf(InvalidArgumentError);
          expect(error).toMatchObject({ argument: 'options.session' });
          expect((error as Error).message).toMatch(message);
        }
      }
      // Nothing was sent: not even the indexes were created.
      const collections = await harness.db
        .listCollections({ name: monque.collection.collectionName })
        .toArray();
      expect(collections).toEqual([]);
    });

    it('a job of enqueueMany has no session of its own', async () => {
      const monque = harness.create({ collectionName: harness.collectionName() });
      const session = startSession();
      await expect(
        monque.enqueueMany([{ name: 'mail', data: null, options: { session } as never }]),
      ).rejects.toMatchObject({ argument: 'jobs[0].options.session' });
    });
  });

  describe('indexes are never created in the transaction', () => {
    it('the first call in a transaction initializes outside it: the indexes stay when it aborts', async () => {
      const monque = harness.create({ collectionName: harness.collectionName() });
      const session = startSession();
      session.startTransaction();
      await monque.enqueue('mail', null, { session });
      await session.abortTransaction();
      const names = (await monque.collection.indexes()).map((index) => index.name);
      expect(names).toContain('monque_unique');
      expect(await monque.collection.countDocuments({})).toBe(0);
    });

    it('when initialize fails, the call fails with its error before writing in the transaction', async () => {
      const collectionName = harness.collectionName();
      // An index of Monque's name with other keys: MongoDB refuses the index creation.
      await harness.db
        .collection(collectionName)
        .createIndex({ other: 1 }, { name: 'monque_claim' });
      const monque = harness.create({ collectionName });
      const session = startSession();
      session.startTransaction();
      const orders = harness.db.collection('tx_orders_init');
      await orders.insertOne({ n: 1 }, { session });
      const error = await monque
        .enqueue('mail', null, { session })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(DatabaseError);
      expect((error as Error).message).toMatch(/could not create the job indexes/);
      // The transaction was left as it was: the caller's own write still commits.
      await session.commitTransaction();
      expect(await orders.countDocuments({ n: 1 })).toBe(1);
      expect(await monque.collection.countDocuments({})).toBe(0);
    });
  });
});
