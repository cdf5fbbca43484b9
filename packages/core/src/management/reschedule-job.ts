import type { Collection, ObjectId } from 'mongodb';
import type { Job, JobDocument } from '../jobs/job.js';
import { JobStatus } from '../jobs/job-status.js';
import { type JobActionResult, refusedOrMissing, statusRefusal } from './job-action.js';
import type { WriteOperationOptions } from './write-options.js';

/** What a reschedule did, and the job's `nextRunAt` before when it was done. */
export interface RescheduleResult {
  readonly result: JobActionResult;
  readonly previousRunAt: Date | undefined;
}

/**
 * Moves a `pending` job's next run to `runAt`, with one `findOneAndUpdate` on its id and that
 * status (returning the job as it was, for `previousRunAt`). Other statuses are refused.
 */
export async function rescheduleJob(
  collection: Collection<JobDocument>,
  id: ObjectId,
  runAt: Date,
  now: Date,
  options: WriteOperationOptions = {},
): Promise<RescheduleResult> {
  const set = { nextRunAt: runAt, updatedAt: now };
  const before = await collection.findOneAndUpdate(
    { _id: id, status: JobStatus.Pending },
    { $set: set },
    { ...options, returnDocument: 'before' },
  );
  if (before !== null) {
    const job: Job = { ...before, ...set };
    return { result: { outcome: 'done', job }, previousRunAt: before.nextRunAt };
  }
  const result = await refusedOrMissing(
    collection,
    id,
    (found) =>
      statusRefusal(
        found,
        [JobStatus.Pending],
        'rescheduled',
        'only pending jobs can be rescheduled',
      ),
    options,
  );
  return { result, previousRunAt: undefined };
}
