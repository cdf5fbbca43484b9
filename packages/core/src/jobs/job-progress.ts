/**
 * What a handler reports with `context.progress()`: a number from 0 to 100 (a percentage), or a
 * small plain document (at most {@link MAX_PROGRESS_SIZE} bytes once BSON-encoded), such as
 * `{ done: 40, total: 120, stage: 'upload' }`.
 *
 * @example
 * ```ts
 * const halfway: JobProgress = { done: 60, total: 120 };
 * monque.worker('import', async (_job, context) => {
 *   context.progress(halfway);
 * });
 * ```
 */
export type JobProgress = number | { readonly [field: string]: unknown };

/**
 * The largest progress document accepted, in bytes once BSON-encoded (1 KiB): progress is a
 * figure for people and dashboards, written while the job runs.
 *
 * @example
 * ```ts
 * monque.worker('export', async (job, { progress }) => {
 *   progress({ stage: 'upload', table: job.data.table }); // well under MAX_PROGRESS_SIZE
 * });
 * ```
 */
export const MAX_PROGRESS_SIZE = 1024;
