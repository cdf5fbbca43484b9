import type { Collection, IndexDescription } from 'mongodb';
import type { JobDocument } from './jobs/job.js';
import { JobStatus } from './jobs/job-status.js';

/**
 * The indexes of the jobs collection. Every query Monque sends is served by one of them:
 * - `monque_claim`: claiming (`name`, `status` equal; sorted by `nextRunAt`, then `_id`) and
 *   looking up the next future run;
 * - `monque_takeover`: finding processing jobs whose heartbeat is older than `lockTimeout` (the
 *   bound of twice the claimant's heartbeat interval is then checked on those);
 * - `monque_ownership`: the heartbeat of one instance's jobs;
 * - `monque_unique`: one active (pending or processing) job per name and `uniqueKey`.
 *
 * @example
 * ```ts
 * await db.collection('monque_jobs').createIndexes([...JOB_INDEXES]);
 * ```
 */
export const JOB_INDEXES: readonly IndexDescription[] = [
  { name: 'monque_claim', key: { name: 1, status: 1, nextRunAt: 1, _id: 1 } },
  { name: 'monque_takeover', key: { status: 1, lastHeartbeat: 1 } },
  { name: 'monque_ownership', key: { claimedBy: 1, status: 1 } },
  {
    name: 'monque_unique',
    key: { name: 1, uniqueKey: 1 },
    unique: true,
    partialFilterExpression: {
      uniqueKey: { $exists: true },
      status: { $in: [JobStatus.Pending, JobStatus.Processing] },
    },
  },
];

/** Creates the job indexes with one `createIndexes` command (a no-op when they exist). */
export async function ensureJobIndexes(collection: Collection<JobDocument>): Promise<void> {
  await collection.createIndexes([...JOB_INDEXES]);
}
