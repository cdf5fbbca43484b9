import type { Collection, Document } from 'mongodb';
import { ObjectId } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, JobCancelledError } from '../../src/errors.js';
import type { JobCancelledEvent } from '../../src/events.js';
import type { Job, JobDocument } from '../../src/jobs/job.js';
import type { JobFilter } from '../../src/management/job-filter.js';
import type { Monque } from '../../src/monque.js';
import { waitForJob } from '../../src/testing/wait-for-job.js';
import type { JobContext } from '../../src/workers/worker-registry.js';
import { interceptedDb, passThrough } from '../integration/support/intercepted-db.js';
import { nextEvent, useSchedulerHarness } from '../setup/scheduler-harness.js';

/** A change stream the server refuses for good (a standalone server): the instance polls. */
function withoutChangeStreams(collection: Collection<Document>, method: string, args: unknown[]) {
  if (method !== 'watch') return passThrough(collection, method, args);
  return {
    tryNext: () =>
      Promise.reject(
        Object.assign(new Error('$changeStream needs a replica set'), { code: 40573 }),
      ),
    close: async () => {},
  };
}

/** A handler that waits for its signal and rejects with its reason, recording it. */
function honouring(reasons: unknown[], started: Job[]) {
  return (job: Job, { signal }: JobContext) =>
    new Promise<void>((_, reject) => {
      started.push(job);
      signal.addEventListener('abort', () => {
        reasons.push(signal.reason);
        reject(signal.reason);
      });
    });
}

describe('cancelJob', () => {
  const harness = useSchedulerHarness('cancel');

  /** Enqueues a job due after `job` and waits until it ran: `job`, if claimable, would have run first. */
  async function ranBefore(monque: Monque, job: Job): Promise<void> {
    const { job: sentinel } = await monque.enqueue('work', { sentinel: true } as never, {
      runAt: new Date(job.nextRunAt.getTime() + 1),
    });
    await waitForJob(monque, sentinel._id, 'completed');
  }

  it('cancels a pending job at once; it never runs', async () => {
    const monque = harness.create({ collectionName: harness.collectionName() });
    const started: Job[] = [];
    monque.worker('work', (job) => {
      started.push(job);
    });
    const { job } = await monque.enqueue('work', null, { runAt: new Date(Date.now() - 1000) });
    const cancelled = nextEvent(monque, 'job:cancelled');
    const result = await monque.cancelJob(job._id.toHexString());
    expect(result).toMatchObject({ outcome: 'done', job: { status: 'cancelled' } });
    const [{ job: announced }] = await cancelled;
    expect(announced._id.equals(job._id)).toBe(true);
    await monque.start();
    await ranBefore(monque, job);
    expect(started.map(({ data }) => data)).toEqual([{ sentinel: true }]);
    expect((await monque.getJob(job._id))?.status).toBe('cancelled');
  });

  it('refuses a finished job with the reason, and says when there is no such job', async () => {
    const monque = harness.create({ collectionName: harness.collectionName() });
    monque.worker('work', () => {});
    await monque.start();
    const { job } = await monque.enqueue('work', null);
    await waitForJob(monque, job._id, 'completed');
    const result = await monque.cancelJob(job._id);
    expect(result).toMatchObject({
      outcome: 'refused',
      reason: 'the job is already completed',
      job: { status: 'completed' },
    });
    expect(await monque.cancelJob(new ObjectId())).toEqual({ outcome: 'not-found' });
    await expect(monque.cancelJob({ $ne: null } as never)).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
  });

  it('aborts a job running on the same instance; it is written cancelled and never runs again', async () => {
    const monque = harness.create({ collectionName: harness.collectionName() });
    const reasons: unknown[] = [];
    const started: Job[] = [];
    monque.worker('work', (job, context) =>
      (job.data as { sentinel?: boolean } | null)?.sentinel
        ? undefined
        : honouring(reasons, started)(job, context),
    );
    const running = nextEvent(monque, 'job:start');
    await monque.start();
    await nextEvent(monque, 'changestream:connected');
    const { job } = await monque.enqueue('work', null);
    await running;
    const cancelled = nextEvent(monque, 'job:cancelled');
    const result = await monque.cancelJob(job._id);
    expect(result).toMatchObject({ outcome: 'requested', job: { status: 'processing' } });
    expect(result.outcome === 'requested' && result.job.cancelRequestedAt).toBeInstanceOf(Date);
    const [{ job: written }] = await cancelled;
    expect(written).toMatchObject({
      status: 'cancelled',
      claimedBy: null,
      cancelRequestedAt: null,
    });
    expect(reasons).toEqual([new JobCancelledError(job._id)]);
    await ranBefore(monque, job);
    expect(started).toHaveLength(1);
    expect((await monque.getJob(job._id))?.status).toBe('cancelled');
  });

  for (const mode of ['change stream', 'polling'] as const) {
    it(`aborts a job running on another instance (${mode})`, async () => {
      const collectionName = harness.collectionName();
      const ownerDb = await harness.separateDb();
      const owner = harness.create(
        { collectionName },
        mode === 'polling' ? interceptedDb(ownerDb, withoutChangeStreams) : ownerDb,
      );
      const other = harness.create({ collectionName }, await harness.separateDb());
      const reasons: unknown[] = [];
      const started: Job[] = [];
      owner.worker('work', honouring(reasons, started));
      const listening = nextEvent(
        owner,
        mode === 'polling' ? 'changestream:fallback' : 'changestream:connected',
      );
      await owner.start();
      await listening;
      const { job } = await other.enqueue('work', null);
      await waitForJob(owner, job._id, 'processing');
      const onOwner = nextEvent(owner, 'job:cancelled');
      const onOther: JobCancelledEvent[] = [];
      other.on('job:cancelled', (event) => onOther.push(event));
      expect(await other.cancelJob(job._id)).toMatchObject({ outcome: 'requested' });
      const [{ job: written }] = await onOwner;
      expect(written.status).toBe('cancelled');
      expect(reasons).toEqual([expect.any(JobCancelledError)]);
      // The owner announces it; the instance that asked does not.
      expect(onOther).toEqual([]);
      expect((await other.getJob(job._id))?.status).toBe('cancelled');
      expect(started).toHaveLength(1);
    });
  }

  it('cancels one occurrence of a recurring job: pending or running, it goes on at the next', async () => {
    const monque = harness.create({ collectionName: harness.collectionName() });
    const recurring = await monque.schedule('0 0 1 1 *', 'yearly', null);
    const result = await monque.cancelJob(recurring._id);
    expect(result).toMatchObject({ outcome: 'done', job: { status: 'pending' } });
    const next = result.outcome === 'done' ? result.job.nextRunAt : undefined;
    expect(next?.getTime()).toBeGreaterThan(recurring.nextRunAt.getTime());

    // Its running occurrence: due now, claimed, then cancelled.
    await monque.collection.updateOne({ _id: recurring._id }, { $set: { nextRunAt: new Date() } });
    const reasons: unknown[] = [];
    monque.worker('yearly', honouring(reasons, []));
    const started = nextEvent(monque, 'job:start');
    await monque.start();
    await started;
    const cancelled = nextEvent(monque, 'job:cancelled');
    expect(await monque.cancelJob(recurring._id)).toMatchObject({ outcome: 'requested' });
    const [{ job: written }] = await cancelled;
    expect(written).toMatchObject({ status: 'pending', repeatInterval: '0 0 1 1 *' });
    expect(written.nextRunAt.getTime()).toBeGreaterThan(Date.now());
    expect(reasons).toEqual([expect.any(JobCancelledError)]);
  });

  it('cancels without running a job whose owner died after the request', async () => {
    const collectionName = harness.collectionName();
    const monque = harness.create({ collectionName });
    const { job } = await monque.enqueue('work', null);
    // Claimed by an instance that then died: its heartbeat is old, and a cancel was requested.
    const old = new Date(Date.now() - 60_000);
    await monque.collection.updateOne(
      { _id: job._id },
      {
        $set: {
          status: 'processing',
          claimedBy: 'dead',
          lockedAt: old,
          lastHeartbeat: old,
          heartbeatInterval: 100,
        },
      },
    );
    expect(await monque.cancelJob(job._id)).toMatchObject({ outcome: 'requested' });
    const handler = { calls: 0 };
    monque.worker('work', () => {
      handler.calls += 1;
    });
    const cancelled = nextEvent(monque, 'job:cancelled');
    await monque.start();
    const [{ job: written }] = await cancelled;
    expect(written.status).toBe('cancelled');
    expect(handler.calls).toBe(0);
  });
});

describe('unschedule', () => {
  const harness = useSchedulerHarness('unschedule');

  it('ends a pending recurring job for good; schedule() then creates a new one', async () => {
    const monque = harness.create({ collectionName: harness.collectionName() });
    const job = await monque.schedule('0 * * * *', 'hourly', null, { key: 'eu' });
    expect(await monque.unschedule('hourly')).toEqual({ outcome: 'not-found' });
    const cancelled = nextEvent(monque, 'job:cancelled');
    const result = await monque.unschedule('hourly', { key: 'eu' });
    expect(result).toMatchObject({
      outcome: 'done',
      job: { status: 'cancelled', repeatInterval: null },
    });
    await cancelled;
    const again = await monque.schedule('0 * * * *', 'hourly', null, { key: 'eu' });
    expect(again._id.equals(job._id)).toBe(false);
    await expect(monque.unschedule('hourly', { key: 5 } as never)).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
  });

  it('unschedules a recurring job stored by an earlier version with its key in uniqueKey', async () => {
    const monque = harness.create({ collectionName: harness.collectionName() });
    const job = await monque.schedule('0 * * * *', 'hourly', null);
    await monque.collection.updateOne(
      { _id: job._id },
      { $set: { uniqueKey: 'hourly' }, $unset: { scheduleKey: '' } },
    );
    expect(await monque.unschedule('hourly')).toMatchObject({
      outcome: 'done',
      job: { _id: job._id, status: 'cancelled', repeatInterval: null },
    });
  });

  it('cancels the running occurrence of an unscheduled job, which then ends cancelled', async () => {
    const monque = harness.create({ collectionName: harness.collectionName() });
    const job = await monque.schedule('0 0 1 1 *', 'yearly', null);
    await monque.collection.updateOne({ _id: job._id }, { $set: { nextRunAt: new Date() } });
    const reasons: unknown[] = [];
    monque.worker('yearly', honouring(reasons, []));
    const started = nextEvent(monque, 'job:start');
    await monque.start();
    await started;
    const cancelled = nextEvent(monque, 'job:cancelled');
    expect(await monque.unschedule('yearly')).toMatchObject({ outcome: 'requested' });
    const [{ job: written }] = await cancelled;
    expect(written).toMatchObject({ status: 'cancelled' });
    expect(reasons).toEqual([expect.any(JobCancelledError)]);
    expect(await monque.getJob(job._id)).toMatchObject({
      status: 'cancelled',
      repeatInterval: null,
    });
  });
});

describe('cancelJobs', () => {
  const harness = useSchedulerHarness('cancel_jobs');

  it('cancels pending jobs, requests the running ones and leaves finished ones alone', async () => {
    const monque = harness.create({ collectionName: harness.collectionName() });
    const { job: running } = await monque.enqueue('work', null);
    const [one, two] = await monque.enqueueMany([
      { name: 'work', data: { i: 1 } },
      { name: 'work', data: { i: 2 } },
    ]);
    const recurring = await monque.schedule('0 0 1 1 *', 'work', null, { key: 'yearly' });
    const { job: finished } = await monque.enqueue('other', null);
    await monque.collection.updateOne({ _id: finished._id }, { $set: { status: 'completed' } });

    await expect(monque.cancelJobs({})).rejects.toThrow(/pass \{ all: true \}/);
    await expect(
      monque.cancelJobs({ status: { $ne: 'x' } } as unknown as JobFilter),
    ).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(monque.cancelJobs({ name: 'work' }, { all: 'yes' } as never)).rejects.toThrow(
      /options\.all/,
    );
    // Running on another instance.
    await monque.collection.updateOne(
      { _id: running._id },
      { $set: { status: 'processing', claimedBy: 'elsewhere', lockedAt: new Date() } },
    );
    expect(await monque.cancelJobs({ name: 'work' })).toEqual({ done: 3, requested: 1 });
    const stored = new Map(
      (await monque.collection.find({}).toArray()).map((job) => [job._id.toHexString(), job]),
    );
    const status = (job: Job) => stored.get(job._id.toHexString());
    expect(status(one as Job)?.status).toBe('cancelled');
    expect(status(two as Job)?.status).toBe('cancelled');
    expect(status(recurring)).toMatchObject({ status: 'pending', repeatInterval: '0 0 1 1 *' });
    expect(status(recurring)?.nextRunAt.getTime()).toBeGreaterThan(recurring.nextRunAt.getTime());
    expect(status(running)?.cancelRequestedAt).toBeInstanceOf(Date);
    expect(status(finished)?.status).toBe('completed');
    // Narrowed by status and kind; an empty filter with `all`.
    expect(await monque.cancelJobs({ status: 'completed' })).toEqual({ done: 0, requested: 0 });
    expect(await monque.cancelJobs({ name: 'nothing' })).toEqual({ done: 0, requested: 0 });
    expect(await monque.cancelJobs({ recurring: false }, { all: false })).toEqual({
      done: 0,
      requested: 1,
    });
    expect(await monque.cancelJobs({}, { all: true })).toEqual({ done: 1, requested: 1 });
  });
});

describe('the queries of cancel', () => {
  const harness = useSchedulerHarness('cancel_indexes');

  it('are served by the indexes (explain)', async () => {
    const collectionName = harness.collectionName();
    const db = await harness.separateDb({ monitorCommands: true });
    const sent: Document[] = [];
    db.client.on('commandStarted', ({ commandName, command }) => {
      if (command[commandName] === collectionName && commandName !== 'createIndexes') {
        sent.push(command);
      }
    });
    const monque = harness.create({ collectionName }, db);
    const { job: pending } = await monque.enqueue('work', null);
    await monque.schedule('0 0 1 1 *', 'work', null);
    await monque.cancelJob(pending._id);
    await monque.cancelJobs({ name: 'work', status: ['pending', 'processing'] });
    await monque.unschedule('work');
    const unserved: Document[] = [];
    for (const command of sent) {
      for (const explained of await explainEach(harness.db.collection(collectionName), command)) {
        if (!explained.served) unserved.push(explained.command);
      }
    }
    expect(sent.length).toBeGreaterThan(4);
    expect(unserved).toEqual([]);
  });
});

/** Explains each query of a command (find, findAndModify, update statements). */
async function explainEach(
  collection: Collection<JobDocument> | Collection<Document>,
  command: Document,
): Promise<{ command: Document; served: boolean }[]> {
  const db = (collection as Collection<Document>).db;
  const name = Object.keys(command)[0] as string;
  const bare = Object.fromEntries(
    Object.entries(command).filter(
      ([key]) => !key.startsWith('$') && key !== 'lsid' && key !== 'txnNumber',
    ),
  );
  const queries: Document[] = [];
  if (name === 'find' || name === 'findAndModify') queries.push(bare);
  if (name === 'update') {
    for (const statement of bare.updates as Document[])
      queries.push({ ...bare, updates: [statement] });
  }
  const results: { command: Document; served: boolean }[] = [];
  for (const query of queries) {
    const explained = await db.command({ explain: query, verbosity: 'queryPlanner' });
    const plan = explained.queryPlanner.winningPlan.queryPlan ?? explained.queryPlanner.winningPlan;
    const stages: string[] = [];
    for (let stage: Document | undefined = plan; stage !== undefined; stage = stage.inputStage) {
      stages.push(stage.stage as string);
    }
    results.push({
      command: query,
      served:
        stages.some(
          (stage) => ['IXSCAN', 'IDHACK'].includes(stage) || stage.startsWith('EXPRESS_'),
        ) && !stages.includes('COLLSCAN'),
    });
  }
  return results;
}
