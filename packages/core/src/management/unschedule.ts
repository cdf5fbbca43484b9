import type { ClientSession, Collection } from 'mongodb';
import { RELEASED_CLAIM } from '../claim/fence.js';
import type { JobDocument } from '../jobs/job.js';
import { JobStatus } from '../jobs/job-status.js';
import { adoptLegacySchedule } from '../scheduling/schedule-job.js';
import type { JobActionResult } from './job-action.js';

/**
 * Removes the schedule of the recurring job of `name` and `key` (its active job, as `schedule()`
 * created it; one stored under the old key space is adopted first), with one atomic write fenced
 * by its status:
 * - `pending` → `cancelled`, no longer recurring (`repeatInterval: null`) — `done`;
 * - `processing` → no longer recurring, with a cancel request — `requested`: the instance running
 *   it aborts the running occurrence (`JobCancelledError`) and writes the job `cancelled`;
 * - no active recurring job → `not-found`.
 * The key is then free: `schedule()` creates a new job.
 *
 * @param options - Passed on to every write (such as a `session`).
 */
export async function unscheduleJob(
  collection: Collection<JobDocument>,
  name: string,
  key: string,
  now: Date,
  options: { readonly session?: ClientSession } = {},
): Promise<JobActionResult> {
  await adoptLegacySchedule(collection, name, key, options);
  const recurring = { name, scheduleKey: key, repeatInterval: { $type: 'string' as const } };
  const cancelled = await collection.findOneAndUpdate(
    { ...recurring, status: JobStatus.Pending },
    {
      $set: {
        status: JobStatus.Cancelled,
        repeatInterval: null,
        cancelRequestedAt: null,
        updatedAt: now,
        ...RELEASED_CLAIM,
      },
    },
    { ...options, returnDocument: 'after' },
  );
  if (cancelled !== null) return { outcome: 'done', job: cancelled };
  const requested = await collection.findOneAndUpdate(
    { ...recurring, status: JobStatus.Processing },
    { $set: { repeatInterval: null, cancelRequestedAt: now } },
    { ...options, returnDocument: 'after' },
  );
  if (requested !== null) return { outcome: 'requested', job: requested };
  return { outcome: 'not-found' };
}
