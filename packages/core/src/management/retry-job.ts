import { type Collection, MongoServerError, type ObjectId, type UpdateFilter } from 'mongodb';
import type { JobDocument } from '../jobs/job.js';
import { JobStatus } from '../jobs/job-status.js';
import { activeKeyFilter, DUPLICATE_KEY } from '../scheduling/insert-job.js';
import { type JobActionResult, NOT_FOUND, refusedOrMissing, statusRefusal } from './job-action.js';
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

/** Why a job whose name and `uniqueKey` another active job holds is not retried. */
function heldKeyRefusal(job: JobDocument): string {
  return (
    `an active job named ${JSON.stringify(job.name)} with uniqueKey ` +
    `${JSON.stringify(job.uniqueKey)} exists; retrying this one would make a second`
  );
}

/**
 * Retries one job: a `failed` or `cancelled` job goes back to `pending`, due at once (see
 * {@link retryUpdate}), with one `findOneAndUpdate` on its id and those statuses. A job with a
 * `uniqueKey` whose name and key another active job holds is refused (it would be the second):
 * outside a transaction the unique index says so; inside one, where the index's duplicate-key
 * error would abort the transaction, the job and the key's holder are read first.
 */
export async function retryJob(
  collection: Collection<JobDocument>,
  id: ObjectId,
  now: Date,
  options: WriteOperationOptions = {},
): Promise<JobActionResult> {
  if (options.session?.inTransaction() === true) {
    const found = await collection.findOne({ _id: id }, options);
    if (found === null) return NOT_FOUND;
    if (
      found.uniqueKey !== undefined &&
      RETRYABLE_STATUSES.includes(found.status) &&
      (await collection.findOne(activeKeyFilter(found.name, { uniqueKey: found.uniqueKey }), {
        ...options,
        projection: { _id: 1 },
      })) !== null
    ) {
      return { outcome: 'refused', job: found, reason: heldKeyRefusal(found) };
    }
  }
  let job: JobDocument | null;
  try {
    job = await collection.findOneAndUpdate(
      { _id: id, status: { $in: [...RETRYABLE_STATUSES] } },
      retryUpdate(now),
      { ...options, returnDocument: 'after' },
    );
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    return refusedOrMissing(collection, id, heldKeyRefusal, options);
  }
  if (job !== null) return { outcome: 'done', job };
  return refusedOrMissing(
    collection,
    id,
    (found) => statusRefusal(found, RETRYABLE_STATUSES, 'retried', RULE),
    options,
  );
}
