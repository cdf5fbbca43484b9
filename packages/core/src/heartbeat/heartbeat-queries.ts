import type { Collection, ObjectId } from 'mongodb';
import { RELEASED_CLAIM } from '../claim/fence.js';
import type { JobDocument } from '../jobs/job.js';
import { JobStatus } from '../jobs/job-status.js';

/**
 * Confirms, with one `updateMany`, that this instance still runs the jobs it holds: their
 * `lastHeartbeat` is set to the server's own time (`$currentDate`), so that the takeover decision
 * of every instance compares times of one clock. Only the jobs in `ids` are touched, so a job
 * whose outcome could not be written is not kept alive forever: it goes stale and another
 * instance takes it over.
 *
 * @returns How many jobs matched (were still held by this instance): fewer than `ids` when some
 * were taken over meanwhile (see {@link readHeldJobs}).
 */
export async function sendHeartbeat(
  collection: Collection<JobDocument>,
  instanceId: string,
  ids: readonly ObjectId[],
): Promise<number> {
  const result = await collection.updateMany(
    { claimedBy: instanceId, status: JobStatus.Processing, _id: { $in: [...ids] } },
    { $currentDate: { lastHeartbeat: true } },
  );
  return result.matchedCount;
}

/** What {@link readHeldJobs} reads of a job this instance holds. */
export type HeldJobState = Pick<
  JobDocument,
  '_id' | 'lockedAt' | 'cancelRequestedAt' | 'repeatInterval'
>;

/**
 * Reads which of the jobs in `ids` this instance still holds (with their fence, `lockedAt`), and
 * whether a cancel was requested for them: one `find` by `_id` (after a heartbeat that matched
 * fewer jobs than it was sent for, and at every heartbeat while the change stream is down).
 */
export function readHeldJobs(
  collection: Collection<JobDocument>,
  instanceId: string,
  ids: readonly ObjectId[],
): Promise<HeldJobState[]> {
  return collection
    .find(
      { claimedBy: instanceId, status: JobStatus.Processing, _id: { $in: [...ids] } },
      { projection: { _id: 1, lockedAt: 1, cancelRequestedAt: 1, repeatInterval: 1 } },
    )
    .toArray();
}

/**
 * Hands jobs whose claim went stale back to `pending`, with one `updateMany`. A claim is stale
 * when its last heartbeat is older than both `lockTimeout` (this instance's setting) and twice the
 * claimant's own heartbeat interval (stored on the job at its claim), so an instance with a
 * shorter `lockTimeout` does not take over the live jobs of one that beats less often.
 *
 * The decision is taken on the server's clock (`$$NOW`), which also stamped the heartbeats, so an
 * instance whose own clock runs ahead cannot take over live jobs, and one whose clock runs behind
 * still recovers stale ones. The indexed range `lastHeartbeat < now − lockTimeout` selects the
 * candidates (`monque_takeover`), with `now` the instance's estimate of the server's time; the
 * exact bounds are a residual `$expr` on them. (An estimate behind the server's time leaves a job
 * that went stale within that error for the next sweep.) `failCount` is not increased: the run was
 * interrupted, it did not fail; `takeoverCount` is, so that a job that keeps taking its instances
 * down is failed after `maxTakeovers` takeovers (by the next instance that claims it). A cancel
 * request stays on the job: the instance that claims it next cancels it without running it.
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
        $and: [
          { $lt: ['$lastHeartbeat', { $subtract: ['$$NOW', lockTimeout] }] },
          {
            $lt: [
              '$lastHeartbeat',
              { $subtract: ['$$NOW', { $multiply: [2, { $ifNull: ['$heartbeatInterval', 0] }] }] },
            ],
          },
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
