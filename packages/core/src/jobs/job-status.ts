/**
 * The states of a job. `pending` jobs wait for `nextRunAt`; a worker claims one and marks it
 * `processing`; it ends `completed`, or `failed` once retries are exhausted (a failure with
 * retries left goes back to `pending`), or `cancelled` when it was cancelled (never claimed and
 * never retried by Monque after that). A recurring job goes back to `pending` after each run.
 *
 * @example
 * ```ts
 * const due = await monque.collection.countDocuments({ status: JobStatus.Pending });
 * ```
 */
export const JobStatus = {
  Pending: 'pending',
  Processing: 'processing',
  Completed: 'completed',
  Failed: 'failed',
  Cancelled: 'cancelled',
} as const;

/**
 * One of the values of {@link JobStatus}:
 * `'pending' | 'processing' | 'completed' | 'failed' | 'cancelled'`.
 *
 * @example
 * ```ts
 * const status: JobStatus = JobStatus.Completed;
 * ```
 */
export type JobStatus = (typeof JobStatus)[keyof typeof JobStatus];

const JOB_STATUSES: ReadonlySet<unknown> = new Set(Object.values(JobStatus));

/**
 * Whether a value is one of the {@link JobStatus} values.
 *
 * @param value - Any value, such as a field read from the database.
 * @returns `true` when `value` is `'pending'`, `'processing'`, `'completed'`, `'failed'` or
 * `'cancelled'`.
 *
 * @example
 * ```ts
 * isJobStatus('pending'); // true
 * isJobStatus('queued'); // false
 * ```
 */
export function isJobStatus(value: unknown): value is JobStatus {
  return JOB_STATUSES.has(value);
}
