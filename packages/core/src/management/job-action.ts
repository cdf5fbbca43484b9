import type { Collection, ObjectId } from 'mongodb';
import type { Job, JobDocument } from '../jobs/job.js';
import type { SessionOptions } from '../runtime/session-option.js';
import type { WriteOperationOptions } from './write-options.js';

/**
 * What an action on one job did: `done` (with the job as written — for a delete, as it was),
 * `requested` (a cancel request to the instance running the job), `refused` (with the job as
 * found and the reason) or `not-found`.
 *
 * @example
 * ```ts
 * const result: JobActionResult = await monque.retryJob(id);
 * if (result.outcome === 'refused') console.warn(result.reason);
 * ```
 */
export type JobActionResult =
  | { readonly outcome: 'done'; readonly job: Job }
  | { readonly outcome: 'requested'; readonly job: Job }
  | { readonly outcome: 'refused'; readonly job: Job; readonly reason: string }
  | { readonly outcome: 'not-found' };

/**
 * What a bulk action did.
 *
 * @example
 * ```ts
 * const { done }: BulkActionResult = await monque.deleteJobs({ status: 'failed' });
 * console.log(`${done} jobs deleted`);
 * ```
 */
export interface BulkActionResult {
  /** Jobs the action was applied to. */
  readonly done: number;
  /** Cancel only: processing jobs that got a cancel request (0 for other actions). */
  readonly requested: number;
}

/**
 * Options of the bulk actions (`cancelJobs`, `retryJobs`, `deleteJobs`): `all`, and the `session`
 * their writes run in (see {@link SessionOptions}).
 *
 * @example
 * ```ts
 * await monque.deleteJobs({}, { all: true } satisfies BulkActionOptions); // every job that is not running
 * ```
 */
export interface BulkActionOptions extends SessionOptions {
  /**
   * `true` to accept an empty filter (every job): without it, a filter that selects nothing
   * in particular is refused, so that acting on a whole queue is never one call away.
   */
  readonly all?: boolean;
}

/** The result of an action that found no job with the id. */
export const NOT_FOUND: JobActionResult = Object.freeze({ outcome: 'not-found' });

/**
 * The result of a single-job action whose atomic write matched nothing: the job is read, and is
 * either missing or refused with the reason `reasonFor` gives for it.
 */
export async function refusedOrMissing(
  collection: Collection<JobDocument>,
  id: ObjectId,
  reasonFor: (job: Job) => string,
  options: WriteOperationOptions,
): Promise<JobActionResult> {
  const job = await collection.findOne({ _id: id }, { ...options });
  return job === null ? NOT_FOUND : { outcome: 'refused', job, reason: reasonFor(job) };
}

/**
 * The reason a job is refused by an action that accepts only `accepted` statuses. When its status
 * is one of them now, it changed between the write and the read: it says so (try again).
 */
export function statusRefusal(
  job: Job,
  accepted: readonly string[],
  action: string,
  rule: string,
): string {
  if (accepted.includes(job.status)) {
    return `job changed while being ${action} (it is ${job.status} now); try again`;
  }
  return `job is ${job.status}: ${rule}`;
}
