import type { Collection, Filter, ModifyResult, ObjectId, UpdateFilter } from 'mongodb';
import { MongoServerError } from 'mongodb';
import { MonqueError } from '../errors.js';
import type { JobDocument } from '../jobs/job.js';
import { JobStatus } from '../jobs/job-status.js';
import type { WriteOperationOptions } from '../management/write-options.js';

/** MongoDB's duplicate key error code. */
export const DUPLICATE_KEY = 11000;

/** How often a unique upsert is retried after losing a duplicate-key race. */
export const MAX_UPSERT_ATTEMPTS = 5;

/**
 * What identifies an active job within its name: the `uniqueKey` of `enqueue`, or the
 * `scheduleKey` of a recurring job. Two key spaces, each with its partial unique index
 * (`monque_unique`, `monque_schedule`), so that an equal string in both never collides.
 */
export type JobKey = { readonly uniqueKey: string } | { readonly scheduleKey: string };

/** The active (pending or processing) job of `name` with `key`, as its unique index covers it. */
export function activeKeyFilter(name: string, key: JobKey): Filter<JobDocument> {
  const keyField =
    'uniqueKey' in key ? { uniqueKey: key.uniqueKey } : { scheduleKey: key.scheduleKey };
  return { name, ...keyField, status: { $in: [JobStatus.Pending, JobStatus.Processing] } };
}

/**
 * Inserts a job without a unique key.
 *
 * @param options - Passed on to the insert (such as a `session`).
 */
export async function insertJob<T>(
  collection: Collection<JobDocument>,
  document: Omit<JobDocument<T>, '_id'>,
  options: WriteOperationOptions = {},
): Promise<JobDocument<T>> {
  const { insertedId } = await collection.insertOne(document as JobDocument, { ...options });
  return { ...document, _id: insertedId };
}

/**
 * Inserts jobs without unique keys with one `insertMany` (ordered: on a failure, the jobs before
 * the failing one are stored).
 *
 * @param options - Passed on to the insert (such as a `session`).
 * @returns The jobs as stored, in the order given.
 */
export async function insertJobs(
  collection: Collection<JobDocument>,
  documents: readonly Omit<JobDocument, '_id'>[],
  options: WriteOperationOptions = {},
): Promise<JobDocument[]> {
  const { insertedIds } = await collection.insertMany(documents as JobDocument[], {
    ...options,
    ordered: true,
  });
  return documents.map((document, index) => ({
    ...document,
    _id: insertedIds[index] as ObjectId,
  }));
}

/**
 * Inserts a job unless an active job with the same name and key exists, in which case that job is
 * returned; `created` says which happened. Concurrent calls race on the key's partial unique
 * index: the losers get a duplicate-key error and retry, and then find the winner's job.
 *
 * Inside a transaction there is no retry: a failed statement aborts the transaction, so the
 * upsert is sent once. It matches the active job the transaction sees (its snapshot and its own
 * writes) and returns it; when a concurrent transaction, or a write committed after this
 * transaction's snapshot, holds the key, MongoDB answers `WriteConflict` (labelled
 * `TransientTransactionError`) and the caller's `withTransaction` runs the transaction again,
 * which then sees the other job. Any other error, a duplicate key included, is thrown as is.
 *
 * @param update - `$setOnInsert` of the new document, plus any `$set` applied to an existing one.
 * @param options - Passed on to the upsert (such as a `session`).
 */
export async function upsertUniqueJob(
  collection: Collection<JobDocument>,
  name: string,
  key: JobKey,
  update: UpdateFilter<JobDocument>,
  options: WriteOperationOptions = {},
): Promise<{ job: JobDocument; created: boolean }> {
  const attempts = options.session?.inTransaction() === true ? 1 : MAX_UPSERT_ATTEMPTS;
  for (let attempt = 1; ; attempt += 1) {
    let result: ModifyResult<JobDocument>;
    try {
      result = await collection.findOneAndUpdate(activeKeyFilter(name, key), update, {
        ...options,
        upsert: true,
        returnDocument: 'after',
        includeResultMetadata: true,
      });
    } catch (error) {
      if (error instanceof MongoServerError && error.code === DUPLICATE_KEY && attempt < attempts) {
        continue;
      }
      throw error;
    }
    if (result.value === null) {
      throw new MonqueError(
        `the upsert of job ${JSON.stringify(name)} with ${JSON.stringify(key)} returned no document`,
      );
    }
    return {
      job: result.value,
      created: result.lastErrorObject?.updatedExisting !== true,
    };
  }
}
