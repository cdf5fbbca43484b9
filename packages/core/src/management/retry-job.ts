import { type Collection, MongoServerError, type ObjectId, type UpdateFilter } from 'mongodb';
import type { JobDocument } from '../jobs/job.js';
import { JobStatus } from '../jobs/job-status.js';
import { DUPLICATE_KEY } from '../scheduling/insert-job.js';
import { type JobActionResult, refusedOrMissing, statusRefusal } from './job-action.js';
import type { WriteOperationOptions } from './write-options.js';

/** The statuses a job can be retried from. */
export const RETRYABLE_STATUSES: readonly JobStatus[] = [JobStatus.Failed, JobStatus.Cancelled];

/**
 * The update of a retry: back to `pending`, due `now`, `failCount` and `takeoverCount` 0; its
 * `expireAt` and last progress removed. `failReason`, `lastFailure` and `history` are kept: they
 * say what happened.
 */
export function retryUpdate(now: Date): UpdateFilter<JobDocument> {
  return {
    $set: {
      status: JobStatus.Pending,
      nextRunAt: now,
      failCount: 0,
      takeoverCount: 0,
      updatedAt: now,
    },
    $unset: { expireAt: '', progress: '' },
  };
}

/** Whether an error is MongoDB's duplicate key error (here: of the unique-key index). */
export function isDuplicateKey(error: unknown): boolean {
  return error instanceof MongoServerError && error.code === DUPLICATE_KEY;
}

const RULE = 'only failed or cancelled jobs can be retried';

/**
 * Retries one job: a `failed` or `cancelled` job goes back to `pending`, due at once (see
 * {@link retryUpdate}), with one `findOneAndUpdate` on its id and those statuses. A job with a
 * `uniqueKey` whose name and key another active job holds is refused (it would be the second).
 */
export async function retryJob(
  collection: Collection<JobDocument>,
  id: ObjectId,
  now: Date,
  options: WriteOperationOptions = {},
): Promise<JobActionResult> {
  let job: JobDocument | null;
  try {
    job = await collection.findOneAndUpdate(
      { _id: id, status: { $in: [...RETRYABLE_STATUSES] } },
      retryUpdate(now),
      { ...options, returnDocument: 'after' },
    );
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    return refusedOrMissing(
      collection,
      id,
      (found) =>
        `an active job named ${JSON.stringify(found.name)} with uniqueKey ` +
        `${JSON.stringify(found.uniqueKey)} exists; retrying this one would make a second`,
      options,
    );
  }
  if (job !== null) return { outcome: 'done', job };
  return refusedOrMissing(
    collection,
    id,
    (found) => statusRefusal(found, RETRYABLE_STATUSES, 'retried', RULE),
    options,
  );
}
