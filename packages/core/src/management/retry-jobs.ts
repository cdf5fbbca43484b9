import {
  type AnyBulkWriteOperation,
  type Collection,
  type Document,
  MongoBulkWriteError,
  type ObjectId,
  type UpdateFilter,
} from 'mongodb';
import type { JobDocument } from '../jobs/job.js';
import { DUPLICATE_KEY } from '../scheduling/insert-job.js';
import { actionQuery } from './bulk-filter.js';
import type { BulkActionResult } from './job-action.js';
import type { CheckedJobFilter } from './job-filter.js';
import { RETRYABLE_STATUSES, retryJob, retryUpdate } from './retry-job.js';
import type { WriteOperationOptions } from './write-options.js';

/** How many jobs with a unique key are retried per round trip. */
export const RETRY_BATCH = 1000;

/**
 * How many jobs a bulk write that failed still modified, when every write it refused was a
 * duplicate key (a job whose name and key another active job holds); `undefined` otherwise.
 */
function modifiedDespiteDuplicates(error: unknown): number | undefined {
  if (!(error instanceof MongoBulkWriteError)) return undefined;
  if (error.err !== undefined || error.result.getWriteConcernError() !== undefined) {
    return undefined;
  }
  const refused = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
  return refused.every((write) => write.code === DUPLICATE_KEY) ? error.modifiedCount : undefined;
}

/**
 * Retries every `failed` or `cancelled` job the filter selects (see `retryUpdate`), each
 * atomically:
 * - jobs without a `uniqueKey`, which can never collide, with one `updateMany`;
 * - jobs with one, up to {@link RETRY_BATCH} per round trip (their ids read in `_id` order, then
 *   one unordered `bulkWrite` of one `updateOne` each, still matched on the retryable statuses),
 *   so that a job whose name and key another active job holds — which the unique index refuses —
 *   is skipped without stopping the others. Inside a transaction, where that refusal would abort
 *   the transaction, they are retried one at a time as {@link retryJob} does there (the key's
 *   holder read first).
 */
export async function retryJobs(
  collection: Collection<JobDocument>,
  filter: CheckedJobFilter,
  now: Date,
  options: WriteOperationOptions = {},
): Promise<BulkActionResult> {
  const query = actionQuery(filter, RETRYABLE_STATUSES);
  if (query === undefined) return { done: 0, requested: 0 };
  const update = retryUpdate(now);
  let done = 0;
  if (filter.uniqueKey === undefined) {
    const { modifiedCount } = await collection.updateMany(
      { ...query, uniqueKey: { $exists: false } },
      update,
      { ...options },
    );
    done += modifiedCount;
  }
  const keyed: Document = { ...query, uniqueKey: filter.uniqueKey ?? { $exists: true } };
  let after: ObjectId | undefined;
  for (;;) {
    const page = await collection
      .find(after === undefined ? keyed : { ...keyed, _id: { $gt: after } }, {
        ...options,
        projection: { _id: 1 },
        sort: { _id: 1 },
        limit: RETRY_BATCH,
      })
      .toArray();
    const last = page.at(-1);
    if (last === undefined) break;
    after = last._id;
    done += await retryPage(
      collection,
      page.map(({ _id }) => _id),
      update,
      now,
      options,
    );
    if (page.length < RETRY_BATCH) break;
  }
  return { done, requested: 0 };
}

/**
 * Retries one page of jobs with a unique key: one unordered `bulkWrite`, in which a job whose
 * name and key another active job holds is refused by the unique index without stopping the
 * others — or, inside a transaction (where that refusal would abort it), one job at a time as
 * {@link retryJob} does there. Returns how many were retried.
 */
async function retryPage(
  collection: Collection<JobDocument>,
  ids: readonly ObjectId[],
  update: UpdateFilter<JobDocument>,
  now: Date,
  options: WriteOperationOptions,
): Promise<number> {
  if (options.session?.inTransaction() === true) {
    let retried = 0;
    for (const id of ids) {
      if ((await retryJob(collection, id, now, options)).outcome === 'done') retried += 1;
    }
    return retried;
  }
  const writes: AnyBulkWriteOperation<JobDocument>[] = ids.map((_id) => ({
    updateOne: { filter: { _id, status: { $in: [...RETRYABLE_STATUSES] } }, update },
  }));
  try {
    return (await collection.bulkWrite(writes, { ...options, ordered: false })).modifiedCount;
  } catch (error) {
    const modified = modifiedDespiteDuplicates(error);
    if (modified === undefined) throw error;
    return modified;
  }
}
