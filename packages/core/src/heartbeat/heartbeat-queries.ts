import type { Collection, ObjectId } from 'mongodb';
import { RELEASED_CLAIM } from '../claim/fence.js';
import type { JobDocument } from '../jobs/job.js';
import { JobStatus } from '../jobs/job-status.js';

/**
 * Confirms, with one `updateMany`, that this instance still runs the jobs it holds. Only the jobs
 * in `ids` are touched, so a job whose outcome could not be written is not kept alive forever:
 * it goes stale and another instance takes it over.
 *
 * @returns How many jobs were refreshed.
 */
export async function sendHeartbeat(
  collection: Collection<JobDocument>,
  instanceId: string,
  ids: readonly ObjectId[],
  now: Date = new Date(),
): Promise<number> {
  const result = await collection.updateMany(
    { claimedBy: instanceId, status: JobStatus.Processing, _id: { $in: [...ids] } },
    { $set: { lastHeartbeat: now } },
  );
  return result.modifiedCount;
}

/**
 * Hands jobs whose claim went stale back to `pending`, with one `updateMany`. A claim is stale
 * when its last heartbeat is older than both `lockTimeout` (this instance's setting) and twice the
 * claimant's own heartbeat interval (stored on the job at its claim), so an instance with a
 * shorter `lockTimeout` does not take over the live jobs of one that beats less often. The
 * indexed range `lastHeartbeat < now − lockTimeout` selects the candidates (`monque_takeover`);
 * the per-job bound is a residual `$expr` on them. `failCount` is not increased: the run was
 * interrupted, it did not fail; `takeoverCount` is, so that a job that keeps taking its instances
 * down is failed after `maxTakeovers` takeovers (by the next instance that claims it).
 *
 * @returns How many jobs were recovered.
 */
export async function recoverStaleJobs(
  collection: Collection<JobDocument>,
  lockTimeout: number,
  now: Date = new Date(),
): Promise<number> {
  const result = await collection.updateMany(
    {
      status: JobStatus.Processing,
      lastHeartbeat: { $lt: new Date(now.getTime() - lockTimeout) },
      $expr: {
        $lt: [
          '$lastHeartbeat',
          { $subtract: [now, { $multiply: [2, { $ifNull: ['$heartbeatInterval', 0] }] }] },
        ],
      },
    },
    {
      $set: { status: JobStatus.Pending, updatedAt: now, ...RELEASED_CLAIM },
      $inc: { takeoverCount: 1 },
    },
  );
  return result.modifiedCount;
}
