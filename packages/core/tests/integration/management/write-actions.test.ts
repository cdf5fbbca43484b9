import { ObjectId } from 'mongodb';
import { describe, expect, it } from 'vitest';
import type { BulkActionEvent, JobRescheduledEvent } from '../../../src/events.js';
import type { Job, JobDocument } from '../../../src/jobs/job.js';
import type { JobFilter } from '../../../src/management/job-filter.js';
import type { Monque } from '../../../src/monque.js';
import { createJobDocument } from '../../../src/testing/create-job-document.js';
import { refusal } from '../../setup/refusal.js';
import { useSchedulerHarness } from '../../setup/scheduler-harness.js';

const T0 = Date.UTC(2026, 0, 1);
const at = (minutes: number) => new Date(T0 + minutes * 60_000);
const DAY = 24 * 60 * 60 * 1000;

/** Collects the management events of an instance, in order. */
function record(monque: Monque) {
  const events: Array<[string, unknown]> = [];
  monque.on('job:retried', (event) => events.push(['job:retried', event]));
  monque.on('job:rescheduled', (event) => events.push(['job:rescheduled', event]));
  monque.on('job:deleted', (event) => events.push(['job:deleted', event]));
  monque.on('jobs:bulk', (event) => events.push(['jobs:bulk', event]));
  return events;
}

describe('management writes', () => {
  const harness = useSchedulerHarness('mgmt-write');
  // Processing jobs here have no heartbeat: no instance may hand them back meanwhile.
  const create = () =>
    harness.create({ collectionName: harness.collectionName(), recoverStaleJobs: false });

  describe('retryJob', () => {
    it('puts a failed job back to pending now, failCount 0, keeping what happened', async () => {
      const monque = create();
      const events = record(monque);
      const history = [
        { attempt: 1, outcome: 'failed', claimedAt: at(0), endedAt: at(1), reason: 'boom' },
      ] as const;
      const failed = createJobDocument({
        status: 'failed',
        failCount: 3,
        failReason: 'boom',
        takeoverCount: 1,
        nextRunAt: at(0),
        expireAt: new Date(Date.now() + 30 * DAY),
        progress: 40,
        lastFailure: { reason: 'boom', at: at(1), attempt: 1 },
        history: [...history],
      });
      await monque.collection.insertOne(failed);
      const before = Date.now();
      const result = await monque.retryJob(failed._id.toHexString());
      expect(result.outcome).toBe('done');
      const job = (result as { job: Job }).job;
      expect(job).toMatchObject({
        _id: failed._id,
        status: 'pending',
        failCount: 0,
        takeoverCount: 0,
        failReason: 'boom',
        lastFailure: { reason: 'boom', attempt: 1 },
        history: [...history],
      });
      expect(job.nextRunAt.getTime()).toBeGreaterThanOrEqual(before);
      expect(job).not.toHaveProperty('expireAt');
      expect(job).not.toHaveProperty('progress');
      expect(await monque.getJob(failed._id)).toEqual(job);
      expect(events).toEqual([['job:retried', { job }]]);
    });

    it('retries a cancelled job too', async () => {
      const monque = create();
      const cancelled = createJobDocument({ status: 'cancelled' });
      await monque.collection.insertOne(cancelled);
      expect(await monque.retryJob(cancelled._id)).toMatchObject({
        outcome: 'done',
        job: { status: 'pending' },
      });
    });

    it('refuses jobs in other statuses, with a reason, and changes nothing', async () => {
      const monque = create();
      const events = record(monque);
      for (const status of ['pending', 'processing', 'completed'] as const) {
        const doc = createJobDocument({ status });
        await monque.collection.insertOne(doc);
        expect(await monque.retryJob(doc._id)).toEqual({
          outcome: 'refused',
          job: doc,
          reason: `job is ${status}: only failed or cancelled jobs can be retried`,
        });
        expect(await monque.getJob(doc._id)).toEqual(doc);
      }
      expect(await monque.retryJob(new ObjectId())).toEqual({ outcome: 'not-found' });
      expect(events).toEqual([]);
    });

    it('refuses a job whose uniqueKey another active job of its name holds', async () => {
      const monque = create();
      await monque.initialize(); // the unique index
      const active = createJobDocument({ name: 'report', uniqueKey: 'r-1' });
      const failed = createJobDocument({ name: 'report', uniqueKey: 'r-1', status: 'failed' });
      await monque.collection.insertMany([active, failed]);
      expect(await monque.retryJob(failed._id)).toEqual({
        outcome: 'refused',
        job: failed,
        reason:
          'an active job named "report" with uniqueKey "r-1" exists; retrying this one would make a second',
      });
      expect((await monque.getJob(failed._id))?.status).toBe('failed');
    });
  });

  describe('rescheduleJob', () => {
    it("moves a pending job's next run and reports the previous one", async () => {
      const monque = create();
      const events = record(monque);
      const pending = createJobDocument({ nextRunAt: at(0) });
      await monque.collection.insertOne(pending);
      const result = await monque.rescheduleJob(pending._id, at(90));
      expect(result).toMatchObject({
        outcome: 'done',
        job: { _id: pending._id, nextRunAt: at(90) },
      });
      const job = (result as { job: Job }).job;
      expect(job.updatedAt.getTime()).toBeGreaterThan(pending.updatedAt.getTime() - 1);
      expect(await monque.getJob(pending._id)).toEqual(job);
      expect(events).toEqual([
        ['job:rescheduled', { job, previousRunAt: at(0) } satisfies JobRescheduledEvent],
      ]);
    });

    it('refuses a completed (or any other non-pending) job, with a reason', async () => {
      const monque = create();
      const events = record(monque);
      for (const status of ['processing', 'completed', 'failed', 'cancelled'] as const) {
        const doc = createJobDocument({ status, nextRunAt: at(0) });
        await monque.collection.insertOne(doc);
        expect(await monque.rescheduleJob(doc._id, at(5))).toEqual({
          outcome: 'refused',
          job: doc,
          reason: `job is ${status}: only pending jobs can be rescheduled`,
        });
        expect((await monque.getJob(doc._id))?.nextRunAt).toEqual(at(0));
      }
      expect(await monque.rescheduleJob(new ObjectId(), at(5))).toEqual({ outcome: 'not-found' });
      expect(events).toEqual([]);
    });
  });

  describe('deleteJob', () => {
    it('deletes a job that is not running and returns it as it was', async () => {
      const monque = create();
      const events = record(monque);
      for (const status of ['pending', 'completed', 'failed', 'cancelled'] as const) {
        const doc = createJobDocument({ status });
        await monque.collection.insertOne(doc);
        expect(await monque.deleteJob(doc._id)).toEqual({ outcome: 'done', job: doc });
        expect(await monque.getJob(doc._id)).toBeNull();
      }
      expect(events.map(([name]) => name)).toEqual(Array(4).fill('job:deleted'));
      expect(await monque.deleteJob(new ObjectId())).toEqual({ outcome: 'not-found' });
    });

    it('refuses a processing job, with a reason, and keeps it', async () => {
      const monque = create();
      const running = createJobDocument({ status: 'processing', claimedBy: 'other' });
      await monque.collection.insertOne(running);
      expect(await monque.deleteJob(running._id)).toEqual({
        outcome: 'refused',
        job: running,
        reason:
          'job is processing: a job is not deleted while it runs; delete it once its run has ended',
      });
      expect(await monque.getJob(running._id)).toEqual(running);
    });
  });

  describe('bulk actions', () => {
    /** 3 names × every status, one recurring, two sharing a unique key. */
    function queue(): JobDocument[] {
      const statuses = ['pending', 'processing', 'completed', 'failed', 'cancelled'] as const;
      const jobs = ['alpha', 'beta', 'gamma'].flatMap((name, n) =>
        statuses.map((status, s) =>
          createJobDocument({
            name,
            status,
            createdAt: at(n * 10 + s),
            data: { customer: n },
            ...(status === 'processing' ? { claimedBy: 'other' } : {}),
          }),
        ),
      );
      jobs.push(
        createJobDocument({ name: 'alpha', status: 'failed', repeatInterval: '0 * * * *' }),
        createJobDocument({ name: 'alpha', status: 'failed', uniqueKey: 'k' }),
        createJobDocument({ name: 'alpha', status: 'failed', uniqueKey: 'k' }),
      );
      return jobs;
    }

    async function statusesOf(monque: Monque): Promise<Record<string, string[]>> {
      const docs = await monque.collection.find({}).sort({ createdAt: 1, _id: 1 }).toArray();
      const by: Record<string, string[]> = {};
      for (const doc of docs) by[doc.name] = [...(by[doc.name] ?? []), doc.status];
      return by;
    }

    it('retryJobs retries the failed and cancelled jobs the filter selects, each once', async () => {
      const monque = create();
      await monque.initialize();
      const events = record(monque);
      await monque.collection.insertMany(queue());
      const result = await monque.retryJobs({ name: 'alpha' });
      // failed, cancelled, the recurring one, and one of the two with the same key.
      expect(result).toEqual({ done: 4, requested: 0 });
      const alpha = await monque.collection.find({ name: 'alpha' }).toArray();
      expect(alpha.filter(({ status }) => status === 'pending')).toHaveLength(5);
      expect(alpha.filter(({ status }) => status === 'failed')).toHaveLength(1);
      expect((await statusesOf(monque)).beta).toEqual([
        'pending',
        'processing',
        'completed',
        'failed',
        'cancelled',
      ]);
      expect(events).toEqual([
        [
          'jobs:bulk',
          {
            action: 'retry',
            filter: { name: ['alpha'] },
            done: 4,
            requested: 0,
          } satisfies BulkActionEvent,
        ],
      ]);
    });

    it('retryJobs with a status outside failed/cancelled sends nothing and does nothing', async () => {
      const monque = create();
      await monque.collection.insertMany(queue());
      const before = await statusesOf(monque);
      expect(await monque.retryJobs({ status: ['pending', 'completed'] })).toEqual({
        done: 0,
        requested: 0,
      });
      expect(await statusesOf(monque)).toEqual(before);
    });

    it('retryJobs by uniqueKey retries one of two holders of the key', async () => {
      const monque = create();
      await monque.initialize();
      await monque.collection.insertMany(queue());
      expect(await monque.retryJobs({ uniqueKey: 'k' })).toEqual({ done: 1, requested: 0 });
      expect(
        (await monque.collection.find({ uniqueKey: 'k' }).toArray())
          .map(({ status }) => status)
          .sort(),
      ).toEqual(['failed', 'pending']);
    });

    it('deleteJobs deletes what the filter selects except running jobs', async () => {
      const monque = create();
      const events = record(monque);
      await monque.collection.insertMany(queue());
      const filter: JobFilter = { data: { customer: 1 }, createdAt: { from: at(10), to: at(20) } };
      expect(await monque.deleteJobs(filter)).toEqual({ done: 4, requested: 0 });
      expect((await statusesOf(monque)).beta).toEqual(['processing']);
      expect(events).toEqual([
        [
          'jobs:bulk',
          {
            action: 'delete',
            filter: { createdAt: { from: at(10), to: at(20) }, data: { customer: 1 } },
            done: 4,
            requested: 0,
          },
        ],
      ]);
    });

    it('refuses an empty filter unless { all: true } is passed', async () => {
      const monque = create();
      await monque.collection.insertMany(queue());
      for (const filter of [{}, undefined, { status: undefined }]) {
        const error = await refusal(() => monque.deleteJobs(filter as JobFilter));
        expect(error.argument).toBe('filter');
        expect(error.message).toMatch(/to act on every job, pass \{ all: true \}/);
        expect((await refusal(() => monque.retryJobs(filter as JobFilter))).argument).toBe(
          'filter',
        );
      }
      expect(await monque.collection.countDocuments()).toBe(18);
      expect(await monque.deleteJobs({}, { all: true })).toEqual({ done: 15, requested: 0 });
      expect((await monque.collection.find({}).toArray()).map(({ status }) => status)).toEqual([
        'processing',
        'processing',
        'processing',
      ]);
    });

    it('refuses operator injection through the filter before anything is sent', async () => {
      const monque = create();
      await monque.collection.insertMany(queue());
      const cases: Array<[unknown, string]> = [
        [{ status: { $ne: null } }, 'filter.status'],
        [{ name: { $gt: '' } }, 'filter.name'],
        [{ $where: 'true' }, 'filter.$where'],
        [{ 'data.customer': 1 }, 'filter.data.customer'],
        [{ data: { customer: { $ne: 5 } } }, 'filter.data["customer"]'],
        [{ data: { $or: 1 } }, 'filter.data'],
        [{ data: { 'a.__proto__.b': 1 } }, 'filter.data'],
        [{ data: { 'a..b': 1 } }, 'filter.data'],
        [{ data: { tags: ['vip'] } }, 'filter.data["tags"]'],
        [{ uniqueKey: { $exists: true } }, 'filter.uniqueKey'],
        [{ recurring: 'yes' }, 'filter.recurring'],
        [{ createdAt: { $gt: at(0) } }, 'filter.createdAt.$gt'],
        [JSON.parse('{"__proto__": {"status": "failed"}}'), 'filter.__proto__'],
      ];
      for (const [filter, argument] of cases) {
        expect((await refusal(() => monque.deleteJobs(filter as JobFilter))).argument).toBe(
          argument,
        );
        expect((await refusal(() => monque.retryJobs(filter as JobFilter))).argument).toBe(
          argument,
        );
      }
      expect(
        (await refusal(() => monque.deleteJobs({ name: 'alpha' }, { all: 'yes' } as never)))
          .argument,
      ).toBe('options.all');
      expect(await monque.collection.countDocuments()).toBe(18);
    });
  });
});
