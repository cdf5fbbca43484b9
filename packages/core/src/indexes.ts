import type { Collection, IndexDescription } from 'mongodb';
import type { JobDocument } from './jobs/job.js';
import { JobStatus } from './jobs/job-status.js';

/**
 * The key of `monque_claim_priority`, the claim's index, which the claim names as its `hint` (a
 * key, as `findOneAndUpdate` takes it).
 *
 * @internal
 */
export const CLAIM_PRIORITY_KEY = {
  name: 1,
  status: 1,
  priority: -1,
  nextRunAt: 1,
  _id: 1,
} as const;

/**
 * The key of `monque_group_slot`, named as the `hint` of the read of the slots a name's groups
 * hold.
 *
 * @internal
 */
export const GROUP_SLOT_KEY = { name: 1, groupKey: 1, groupSlot: 1 } as const;

/**
 * The indexes of the jobs collection. Every query Monque sends is served by one of them, or by
 * the `_id` index (the heartbeat and every other query about jobs an instance holds):
 * - `monque_claim_priority`: claiming (`name`, `status` equal; sorted by `priority` descending,
 *   then `nextRunAt`, then `_id`);
 * - `monque_claim`: looking up the next run of a name (`name`, `status` equal; sorted by
 *   `nextRunAt`, then `_id`);
 * - `monque_takeover`: finding processing jobs whose heartbeat is older than `lockTimeout` (the
 *   bound of twice the claimant's heartbeat interval is then checked on those);
 * - `monque_unique`: one active (pending or processing) job per name and `uniqueKey` (the
 *   deduplication of `enqueue`);
 * - `monque_schedule`: one active recurring job per name and `scheduleKey` (`schedule()`);
 * - `monque_group_slot`: one running job per name, `groupKey` and slot number (`groupSlot`), so
 *   that at most `groupConcurrency` jobs of a group run at once; also the slots a group holds;
 * - `monque_status_created`, `monque_status_updated`, `monque_status_next_run`: listing jobs
 *   (`findJobs`) of one status in the order of one date field, then `_id` (one ordered range per
 *   status), and the recent completions of `getStats`;
 * - `monque_expire`: a TTL index on `expireAt` (sparse: only finished jobs have one), with which
 *   MongoDB deletes finished jobs once their retention is over (see the `retention` option).
 *
 * @example
 * ```ts
 * await db.collection('monque_jobs').createIndexes([...JOB_INDEXES]);
 * ```
 */
export const JOB_INDEXES: readonly IndexDescription[] = [
  { name: 'monque_claim', key: { name: 1, status: 1, nextRunAt: 1, _id: 1 } },
  { name: 'monque_claim_priority', key: CLAIM_PRIORITY_KEY },
  { name: 'monque_takeover', key: { status: 1, lastHeartbeat: 1 } },
  {
    name: 'monque_unique',
    key: { name: 1, uniqueKey: 1 },
    unique: true,
    partialFilterExpression: {
      uniqueKey: { $exists: true },
      status: { $in: [JobStatus.Pending, JobStatus.Processing] },
    },
  },
  {
    name: 'monque_schedule',
    key: { name: 1, scheduleKey: 1 },
    unique: true,
    partialFilterExpression: {
      scheduleKey: { $exists: true },
      status: { $in: [JobStatus.Pending, JobStatus.Processing] },
    },
  },
  {
    name: 'monque_group_slot',
    key: GROUP_SLOT_KEY,
    unique: true,
    partialFilterExpression: { groupSlot: { $type: 'number' } },
  },
  { name: 'monque_status_created', key: { status: 1, createdAt: 1, _id: 1 } },
  { name: 'monque_status_updated', key: { status: 1, updatedAt: 1, _id: 1 } },
  { name: 'monque_status_next_run', key: { status: 1, nextRunAt: 1, _id: 1 } },
  { name: 'monque_expire', key: { expireAt: 1 }, expireAfterSeconds: 0, sparse: true },
];

/**
 * The names of the indexes that management queries (`findJobs`, `getStats`) name as their `hint`,
 * so that the plan is the one these queries were designed for, whatever the planner's statistics.
 */
export const HINTED_INDEX = {
  claim: 'monque_claim',
  statusCreated: 'monque_status_created',
  statusUpdated: 'monque_status_updated',
  statusNextRun: 'monque_status_next_run',
} as const;

/** Creates the job indexes with one `createIndexes` command (a no-op when they exist). */
export async function ensureJobIndexes(collection: Collection<JobDocument>): Promise<void> {
  await collection.createIndexes([...JOB_INDEXES]);
}
