import type { JobDocument, JobStatus, Monque } from '@monque/core';
import { createJobDocument } from '@monque/core/testing';
import { seededRandom } from '../stats.js';
import type { ManagementBench, ManagementOperation } from './types.js';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

/** The share of each status in the seeded queue, as a queue that keeps a week of jobs has. */
const STATUS_SHARES: ReadonlyArray<readonly [JobStatus, number]> = [
  ['completed', 0.7],
  ['pending', 0.15],
  ['failed', 0.08],
  ['cancelled', 0.04],
  ['processing', 0.03],
];

/** The job name of seeded job `index` of `names`. */
export function managementJobName(index: number): string {
  return `bench-mgmt-${index}`;
}

function statusFor(draw: number): JobStatus {
  let total = 0;
  for (const [status, share] of STATUS_SHARES) {
    total += share;
    if (draw < total) return status;
  }
  return 'completed';
}

/**
 * Job `seq` of a seeded queue of `jobs` jobs created over the last 7 days: a status drawn by
 * {@link STATUS_SHARES}, the fields Monque would have written for it (claim of a processing
 * job, result, history and `expireAt` of a finished one), and data `{ tenant, seq }`.
 */
function seededJob(seq: number, jobs: number, names: number, now: number, draw: () => number) {
  const status = statusFor(draw());
  const createdAt = new Date(now - 7 * DAY + Math.floor((seq * 7 * DAY) / jobs));
  const updatedAt = new Date(createdAt.getTime() + Math.floor(draw() * 60_000));
  const fields: Partial<JobDocument<{ tenant: number; seq: number }>> = {
    name: managementJobName(seq % names),
    status,
    data: { tenant: seq % 100, seq },
    createdAt,
    updatedAt,
    nextRunAt: createdAt,
  };
  const run = { attempt: 1, claimedAt: createdAt, endedAt: updatedAt };
  switch (status) {
    case 'pending':
      fields.nextRunAt = new Date(now - HOUR + Math.floor(draw() * 2 * HOUR));
      if (seq % 50 === 0) fields.repeatInterval = '0 * * * *';
      break;
    case 'processing':
      Object.assign(fields, {
        claimedBy: `instance-${seq % 4}`,
        lockedAt: new Date(now),
        lastHeartbeat: new Date(now),
        heartbeatInterval: 10_000,
      });
      break;
    case 'completed':
      Object.assign(fields, {
        result: { ok: true },
        history: [{ ...run, outcome: 'completed', reason: null }],
        expireAt: new Date(updatedAt.getTime() + 7 * DAY),
      });
      break;
    default: {
      const reason = status === 'failed' ? 'timeout calling the mail server' : 'cancelled';
      Object.assign(fields, {
        failCount: status === 'failed' ? 3 : 0,
        failReason: status === 'failed' ? reason : null,
        history: [{ ...run, outcome: status, reason }],
        expireAt: new Date(updatedAt.getTime() + 30 * DAY),
      });
    }
  }
  return createJobDocument(fields);
}

/**
 * The management reads of Monque on a seeded queue: the first page of `findJobs` for typical
 * filters and orders, the pages of a cursor walk, and `getStats` for all names and one.
 */
export function monqueManagement<JobMap extends Record<string, unknown>>(
  monque: Monque<JobMap>,
): ManagementBench {
  return {
    async seed(jobs, names) {
      const draw = seededRandom(7);
      const now = Date.now();
      for (let start = 0; start < jobs; start += 1000) {
        const batch: JobDocument[] = [];
        for (let seq = start; seq < Math.min(jobs, start + 1000); seq += 1) {
          batch.push(seededJob(seq, jobs, names, now, draw));
        }
        await monque.collection.insertMany(batch);
      }
    },
    operations({ calls, statsCalls, pages }) {
      const name = managementJobName(3);
      let cursor: string | undefined;
      const nextPage = async (): Promise<void> => {
        const page = await monque.findJobs({}, { cursor });
        cursor = page.nextCursor ?? undefined;
      };
      const list: ManagementOperation[] = [
        { id: 'first-page', calls, call: async () => void (await monque.findJobs({})) },
        {
          id: 'failed-by-updated',
          calls,
          call: async () =>
            void (await monque.findJobs({ status: 'failed' }, { order: '-updatedAt' })),
        },
        {
          id: 'name-pending-due',
          calls,
          call: async () =>
            void (await monque.findJobs({ name, status: 'pending' }, { order: 'nextRunAt' })),
        },
        {
          id: 'data-filter',
          calls,
          call: async () =>
            void (await monque.findJobs({ status: 'completed', data: { tenant: 7 } })),
        },
        { id: 'walk-pages', calls: pages, call: nextPage },
        { id: 'stats', calls: statsCalls, call: async () => void (await monque.getStats()) },
        {
          id: 'stats-one-name',
          calls: statsCalls,
          call: async () => void (await monque.getStats({ name })),
        },
      ];
      return list;
    },
  };
}

/** What each management operation reads, for the report. */
export const MANAGEMENT_OPERATIONS: Readonly<Record<string, string>> = {
  'first-page': '`findJobs({})`: the newest 50 jobs of every status (five ranges, merged)',
  'failed-by-updated': "`findJobs({ status: 'failed' }, { order: '-updatedAt' })`",
  'name-pending-due':
    "`findJobs({ name, status: 'pending' }, { order: 'nextRunAt' })` (the claim index)",
  'data-filter':
    "`findJobs({ status: 'completed', data: { tenant: 7 } })`: 1 % of the jobs match, checked on the index range",
  'walk-pages': '`findJobs({}, { cursor })`: the next page of a walk, page by page',
  stats: '`getStats()`: counts per name × status, lag, recent completions, instances',
  'stats-one-name': '`getStats({ name })`',
};
