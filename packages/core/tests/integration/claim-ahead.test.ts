import type { CommandStartedEvent, Db, Document, ObjectId } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { JobOwnershipLostError } from '../../src/errors.js';
import type { JobErrorEvent } from '../../src/events.js';
import type { Job } from '../../src/jobs/job.js';
import type { Monque } from '../../src/monque.js';
import type { JobContext } from '../../src/workers/worker-registry.js';
import { deferred } from '../runtime/fakes.js';
import { useSchedulerHarness } from '../setup/scheduler-harness.js';
import { interceptedDb, passThrough } from './support/intercepted-db.js';

/**
 * A worker of concurrency 2 claims one job ahead of its free slots: held (`processing`, this
 * instance's claim) but not started until a slot frees up. Such a job is heartbeated like a
 * running one, handed back on `stop()`, and never started once its lease ran out.
 */
describe('jobs claimed ahead of free slots', () => {
  const harness = useSchedulerHarness('claim_ahead');

  /**
   * Starts `monque` with a blocking worker of `concurrency` and twice as many due jobs; resolves
   * once `concurrency` run, with the jobs claimed ahead (held, not started): `concurrency − 1`.
   */
  async function holdAhead(monque: Monque, concurrency = 2) {
    const started: Job[] = [];
    const release = deferred<void>();
    monque.worker(
      'work',
      (job, { signal }: JobContext) => {
        started.push(job);
        return new Promise<void>((resolve, reject) => {
          void release.promise.then(resolve);
          signal.addEventListener('abort', () => reject(signal.reason));
        });
      },
      { concurrency },
    );
    await monque.enqueueMany(
      Array.from({ length: 2 * concurrency }, (_, i) => ({ name: 'work', data: { i } })),
    );
    await monque.start();
    await expect
      .poll(() => monque.collection.countDocuments({ status: 'processing' }), { timeout: 5000 })
      .toBe(2 * concurrency - 1);
    await expect.poll(() => started.length).toBe(concurrency);
    const startedIds = new Set(started.map((job) => job._id.toHexString()));
    const held = await monque.collection.find({ status: 'processing' }).toArray();
    const ahead = held.filter((job) => !startedIds.has(job._id.toHexString()));
    return { started, release, ahead };
  }

  /** Starts `monque` as {@link holdAhead} with concurrency 2: one job is claimed ahead. */
  async function holdOneAhead(monque: Monque) {
    const { ahead, ...rest } = await holdAhead(monque);
    const [one] = ahead;
    if (one === undefined || ahead.length !== 1) throw new Error('not one job claimed ahead');
    return { ...rest, ahead: one };
  }

  it('hands a job claimed ahead back to pending on stop(), before the running jobs end', async () => {
    const monque = harness.create({ collectionName: harness.collectionName() });
    const { started, release, ahead } = await holdOneAhead(monque);
    expect(ahead).toMatchObject({ status: 'processing', claimedBy: expect.any(String) });
    const stopped = monque.stop();
    // Handed back while the two running jobs still hold their slots.
    await expect
      .poll(async () => (await monque.collection.findOne({ _id: ahead._id }))?.status, {
        timeout: 5000,
      })
      .toBe('pending');
    expect(await monque.collection.countDocuments({ status: 'processing' })).toBe(2);
    release.resolve();
    await stopped;
    const handedBack = await monque.collection.findOne({ _id: ahead._id });
    expect(handedBack).toMatchObject({ status: 'pending', claimedBy: null, lockedAt: null });
    expect(handedBack?.takeoverCount).toBeUndefined();
    expect(started.map((job) => job._id.toHexString())).not.toContain(ahead._id.toHexString());
    expect(await monque.collection.countDocuments({ status: 'completed' })).toBe(2);
  });

  it('heartbeats a job claimed ahead like the running ones', async () => {
    const db = await harness.separateDb({ monitorCommands: true });
    const heartbeats: ObjectId[][] = [];
    db.client.on('commandStarted', ({ commandName, command }: CommandStartedEvent) => {
      const statement = commandName === 'update' ? command.updates?.[0] : undefined;
      if (statement?.u?.$currentDate?.lastHeartbeat === true && 'claimedBy' in statement.q) {
        heartbeats.push(statement.q._id.$in);
      }
    });
    const monque = harness.create({ collectionName: harness.collectionName() }, db);
    const { release, ahead } = await holdOneAhead(monque);
    const claimedBeat = (await monque.collection.findOne({ _id: ahead._id }))?.lastHeartbeat;
    const sent = heartbeats.length;
    // The next heartbeat names the three held jobs, the one claimed ahead among them...
    await expect.poll(() => heartbeats.length, { timeout: 5000 }).toBeGreaterThan(sent);
    const beat = heartbeats[sent]?.map((id) => id.toHexString()) ?? [];
    expect(beat).toHaveLength(3);
    expect(beat).toContain(ahead._id.toHexString());
    // ...and moves its lastHeartbeat on.
    await expect
      .poll(async () => (await monque.collection.findOne({ _id: ahead._id }))?.lastHeartbeat, {
        timeout: 5000,
      })
      .not.toEqual(claimedBeat);
    release.resolve();
  });

  it('cancels jobs claimed ahead without running them, however long they waited for a slot', async () => {
    // Cancel requests for jobs not yet started are otherwise kept one round-trip time limit.
    const roundTripTimeout = 1000;
    const monque = harness.create({ collectionName: harness.collectionName(), roundTripTimeout });
    const { started, release, ahead } = await holdAhead(monque, 3);
    const [first, second] = ahead;
    if (first === undefined || second === undefined) throw new Error('two jobs claimed ahead');
    const cancelledIds: string[] = [];
    monque.on('job:cancelled', ({ job }) => cancelledIds.push(job._id.toHexString()));
    const requested = async (id: ObjectId) =>
      expect
        .poll(async () => (await monque.collection.findOne({ _id: id }))?.cancelRequestedAt)
        .toBeInstanceOf(Date);
    await monque.cancelJob(first._id);
    await requested(first._id);
    // The scenario is the wait itself: the first request gets older than that limit before the
    // second arrives.
    await new Promise((resolve) => setTimeout(resolve, roundTripTimeout * 1.5));
    await monque.cancelJob(second._id);
    await requested(second._id);
    release.resolve();
    await expect.poll(() => cancelledIds.length, { timeout: 5000 }).toBe(2);
    expect(new Set(cancelledIds)).toEqual(new Set([first._id, second._id].map(String)));
    const startedIds = started.map((run) => run._id.toHexString());
    expect(startedIds).not.toContain(first._id.toHexString());
    expect(startedIds).not.toContain(second._id.toHexString());
  });

  it('does not start a job claimed ahead whose lease ran out unconfirmed: hands it back', async () => {
    const collectionName = harness.collectionName();
    // Heartbeats never land: the leases (lockTimeout − heartbeatInterval = 250 ms) run out.
    const monque = harness.create(
      { collectionName, heartbeatInterval: 50, lockTimeout: 300, recoverStaleJobs: false },
      harness.frozenHeartbeats(await harness.separateDb()),
    );
    const errors: JobErrorEvent[] = [];
    const notStarted = deferred<JobErrorEvent>();
    monque.on('job:error', (event) => {
      errors.push(event);
      if (/waited for a free slot/.test(event.error.message)) notStarted.resolve(event);
    });
    const { started, ahead } = await holdOneAhead(monque);
    // The running jobs are given up as their leases run out; their slots free up; the job
    // claimed ahead, whose lease ran out too, is not started in one.
    const { error, job } = await notStarted.promise;
    expect(error).toBeInstanceOf(JobOwnershipLostError);
    expect(job?._id.equals(ahead._id)).toBe(true);
    expect(started.slice(0, 2).map((run) => run._id.toHexString())).not.toContain(
      ahead._id.toHexString(),
    );
    const startsBefore = started.filter((run) => run._id.equals(ahead._id)).length;
    expect(startsBefore).toBe(0);
    // Handed back (fenced: it was still this claim's).
    await expect
      .poll(async () => (await monque.collection.findOne({ _id: ahead._id }))?.lockedAt, {
        timeout: 5000,
      })
      .not.toEqual(ahead.lockedAt);
  });

  /** `db` with every hand-back of jobs claimed ahead (an `updateMany` by their fences) failing. */
  function failingHandBacks(db: Db): Db {
    return interceptedDb(db, (collection, method, args) => {
      const filter = args[0] as Document | undefined;
      if (method === 'updateMany' && filter?.$or !== undefined && 'claimedBy' in filter.$or[0]) {
        return Promise.reject(
          Object.assign(new Error('hand-back lost'), { name: 'MongoNetworkError' }),
        );
      }
      return passThrough(collection, method, args);
    });
  }

  it('reports a hand-back on stop() that failed; the job stays claimed for stale takeover', async () => {
    const monque = harness.create(
      { collectionName: harness.collectionName() },
      failingHandBacks(await harness.separateDb()),
    );
    const errors: JobErrorEvent[] = [];
    monque.on('job:error', (event) => errors.push(event));
    const { release, ahead } = await holdOneAhead(monque);
    const stopped = monque.stop();
    await expect.poll(() => errors.length, { timeout: 5000 }).toBe(1);
    release.resolve();
    await stopped;
    expect(errors[0]?.error.message).toMatch(
      /^could not hand back 1 job\(s\) claimed ahead and not started; .*: hand-back lost/,
    );
    expect(await monque.collection.findOne({ _id: ahead._id })).toMatchObject({
      status: 'processing',
      lockedAt: ahead.lockedAt,
    });
  });

  it('reports a failed hand-back of a job whose lease ran out while claimed ahead', async () => {
    const monque = harness.create(
      {
        collectionName: harness.collectionName(),
        heartbeatInterval: 50,
        lockTimeout: 300,
        recoverStaleJobs: false,
      },
      failingHandBacks(harness.frozenHeartbeats(await harness.separateDb())),
    );
    const failed = deferred<JobErrorEvent>();
    monque.on('job:error', (event) => {
      if (/could not hand back a job/.test(event.error.message)) failed.resolve(event);
    });
    const { ahead } = await holdOneAhead(monque);
    const { error } = await failed.promise;
    expect(error.message).toMatch(/hand-back lost/);
    expect(await monque.collection.findOne({ _id: ahead._id })).toMatchObject({
      status: 'processing',
      lockedAt: ahead.lockedAt,
    });
  });
});
