import type { AnyBulkWriteOperation, ClientSession, Collection } from 'mongodb';
import type { JobDocument } from '../jobs/job.js';
import { JobStatus } from '../jobs/job-status.js';
import { cancelledSet } from '../processing/cancel-outcome.js';
import { pendingCancelSet } from './cancel-job.js';
import { jobFilterQuery } from './filter-query.js';
import type { BulkActionResult } from './job-action.js';
import type { CheckedJobFilter } from './job-filter.js';

/** Whether the filter can select jobs of `status`. */
function selects(filter: CheckedJobFilter, status: JobStatus): boolean {
  return filter.statuses === undefined || filter.statuses.includes(status);
}

/**
 * Cancels the jobs a (checked) filter selects, each one atomically as {@link cancelJob} would:
 * one-off pending jobs → `cancelled` (one `updateMany`); recurring pending jobs → their next
 * occurrence (read, then one `bulkWrite` of writes fenced by each job's status and `nextRunAt`);
 * processing jobs → a cancel request (one `updateMany`). Terminal jobs are left alone. The
 * queries are the filter's (served by the indexes `findJobs` uses), narrowed to one status, and
 * sent at once — one after the other in a session, whose transaction takes one statement at a
 * time.
 *
 * @param options - Passed on to every operation (such as a `session`).
 */
export async function cancelJobs(
  collection: Collection<JobDocument>,
  filter: CheckedJobFilter,
  now: Date,
  options: { readonly session?: ClientSession } = {},
): Promise<BulkActionResult> {
  const pending = jobFilterQuery({ ...filter, statuses: [JobStatus.Pending] });
  const processing = jobFilterQuery({ ...filter, statuses: [JobStatus.Processing] });
  const [oneOff, recurring, requested] = await allSteps(
    [
      async () =>
        selects(filter, JobStatus.Pending) && filter.recurring !== true
          ? collection.updateMany(
              { ...pending, repeatInterval: null },
              { $set: cancelledSet({ repeatInterval: null, timezone: null }, now) },
              options,
            )
          : undefined,
      async () =>
        selects(filter, JobStatus.Pending) && filter.recurring !== false
          ? cancelOccurrences(
              collection,
              { ...pending, repeatInterval: { $type: 'string' } },
              now,
              options,
            )
          : 0,
      async () =>
        selects(filter, JobStatus.Processing)
          ? collection.updateMany(processing, { $set: { cancelRequestedAt: now } }, options)
          : undefined,
    ],
    options.session !== undefined,
  );
  return {
    done: (oneOff?.modifiedCount ?? 0) + recurring,
    requested: requested?.matchedCount ?? 0,
  };
}

/** Runs three steps at once, or one after the other when `sequential`. */
async function allSteps<A, B, C>(
  steps: readonly [() => Promise<A>, () => Promise<B>, () => Promise<C>],
  sequential: boolean,
): Promise<[A, B, C]> {
  const [first, second, third] = steps;
  if (!sequential) return Promise.all([first(), second(), third()]);
  return [await first(), await second(), await third()];
}

/** Cancels the occurrence each selected recurring pending job waits for; returns how many. */
async function cancelOccurrences(
  collection: Collection<JobDocument>,
  query: object,
  now: Date,
  options: { readonly session?: ClientSession },
): Promise<number> {
  const jobs = await collection
    .find(query, {
      ...options,
      projection: { _id: 1, nextRunAt: 1, repeatInterval: 1, timezone: 1 },
    })
    .toArray();
  if (jobs.length === 0) return 0;
  const writes: AnyBulkWriteOperation<JobDocument>[] = jobs.map((job) => ({
    updateOne: {
      filter: { _id: job._id, status: JobStatus.Pending, nextRunAt: job.nextRunAt },
      update: { $set: pendingCancelSet(job, now) },
    },
  }));
  const { modifiedCount } = await collection.bulkWrite(writes, { ...options, ordered: false });
  return modifiedCount;
}
