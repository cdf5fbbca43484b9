import type { ObjectId } from 'mongodb';
import { describe, expect, it } from 'vitest';
import type { JobDocument } from '../../../src/jobs/job.js';
import type { JobStatus } from '../../../src/jobs/job-status.js';
import type { JobFilter } from '../../../src/management/job-filter.js';
import type { JobOrder } from '../../../src/management/job-order.js';
import { createJobDocument } from '../../../src/testing/create-job-document.js';
import { useSchedulerHarness } from '../../setup/scheduler-harness.js';

const JOBS = 1000;
const CHANGES = 200;
const INSERTS = 100;
/** The changes and inserts are spread over this many pages (of the 20 or more each walk needs). */
const PAGES_WITH_CHANGES = 18;
const STATUSES: JobStatus[] = ['pending', 'processing', 'completed', 'failed'];
const T0 = Date.UTC(2026, 0, 1);
const minute = (n: number) => new Date(T0 + n * 60_000);

/** A small seeded PRNG (mulberry32), so every run makes the same choices. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * 1 000 jobs in batches that share their dates (ties of 50 in `createdAt`, 20 in `nextRunAt`, 25
 * in `updatedAt`), as `enqueueMany` writes them, over every status.
 */
function initialJobs(): JobDocument[] {
  return Array.from({ length: JOBS }, (_, i) =>
    createJobDocument({
      name: `job-${i % 3}`,
      status: STATUSES[i % 4] as JobStatus,
      createdAt: minute(Math.floor(i / 50)),
      nextRunAt: minute(100 + ((i * 37) % 50)),
      updatedAt: minute(200 + Math.floor(i / 25)),
      data: { i },
    }),
  );
}

describe('paging while the queue changes', () => {
  const harness = useSchedulerHarness('mgmt-paging');

  /** Order, filter and page size (so that the jobs matching at the start fill 20 pages or more). */
  const walks: Array<[JobOrder, JobFilter, number]> = [
    ['-createdAt', {}, 50],
    ['createdAt', {}, 50],
    ['nextRunAt', {}, 50],
    ['-nextRunAt', {}, 50],
    ['updatedAt', {}, 50],
    ['-updatedAt', {}, 50],
    ['nextRunAt', { name: 'job-1' }, 15],
    ['-updatedAt', { name: ['job-0', 'job-2'] }, 30],
    ['createdAt', { status: ['pending', 'failed'] }, 25],
  ];

  it.each(walks)(
    `order %s, filter %j: ${CHANGES} jobs change and ${INSERTS} are added during the walk; none comes twice, none unchanged is skipped`,
    async (order, filter, limit) => {
      const monque = harness.create({ collectionName: harness.collectionName() });
      await monque.initialize();
      const jobs = initialJobs();
      await monque.collection.insertMany(jobs);
      const next = random(JOBS + order.length);

      // Which jobs change: random ones, ahead of the walk and behind it alike.
      const pool = jobs.map((job) => job._id);
      const changed: ObjectId[] = [];
      while (changed.length < CHANGES) {
        const [id] = pool.splice(Math.floor(next() * pool.length), 1);
        changed.push(id as ObjectId);
      }
      const changedIds = new Set(changed.map((id) => id.toHexString()));

      const seen: string[] = [];
      let cursor: string | undefined;
      let page = 0;
      do {
        const result = await monque.findJobs(filter, { order, limit, cursor });
        seen.push(...result.jobs.map((job) => job._id.toHexString()));
        cursor = result.nextCursor ?? undefined;
        if (page < PAGES_WITH_CHANGES) {
          // Between pages: some jobs change status, and with it `updatedAt`; every other one also
          // moves its `nextRunAt`, half of them earlier, half later; new jobs arrive all over the
          // order.
          const batch = changed.slice(
            Math.floor((page * CHANGES) / PAGES_WITH_CHANGES),
            Math.floor(((page + 1) * CHANGES) / PAGES_WITH_CHANGES),
          );
          await monque.collection.bulkWrite(
            batch.map((id, index) => ({
              updateOne: {
                filter: { _id: id },
                update: {
                  $set: {
                    status: STATUSES[Math.floor(next() * 4)] as JobStatus,
                    updatedAt: new Date(),
                    ...(index % 2 === 0 ? { nextRunAt: minute(90 + Math.floor(next() * 70)) } : {}),
                  },
                },
              },
            })),
          );
          const inserts =
            Math.floor(((page + 1) * INSERTS) / PAGES_WITH_CHANGES) -
            Math.floor((page * INSERTS) / PAGES_WITH_CHANGES);
          await monque.collection.insertMany(
            Array.from({ length: inserts }, () =>
              createJobDocument({
                name: `job-${Math.floor(next() * 3)}`,
                status: STATUSES[Math.floor(next() * 4)] as JobStatus,
                createdAt: minute(Math.floor(next() * 25)),
                nextRunAt: minute(90 + Math.floor(next() * 70)),
              }),
            ),
          );
        }
        page += 1;
      } while (cursor !== undefined);

      expect(page).toBeGreaterThan(PAGES_WITH_CHANGES);
      const duplicates = seen.filter((id, index) => seen.indexOf(id) !== index);
      expect(duplicates).toEqual([]);
      const names = filter.name === undefined ? undefined : [filter.name].flat();
      const matches = (job: JobDocument) =>
        (names === undefined || names.includes(job.name)) &&
        (filter.status === undefined || (filter.status as readonly string[]).includes(job.status));
      const unchanged = jobs.filter(
        (job) => !changedIds.has(job._id.toHexString()) && matches(job),
      );
      expect(unchanged.length).toBeGreaterThan(200);
      const seenIds = new Set(seen);
      const skipped = unchanged.filter((job) => !seenIds.has(job._id.toHexString()));
      expect(skipped).toEqual([]);
    },
    // A walk is about 100 finds and 30 writes over 1 000 jobs: real work, not waiting.
    60_000,
  );
});
