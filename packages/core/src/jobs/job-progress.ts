/**
 * What a handler reports with `context.progress()`: a number from 0 to 100 (a percentage), or a
 * small plain document (at most {@link MAX_PROGRESS_SIZE} bytes once BSON-encoded), such as
 * `{ done: 40, total: 120, stage: 'upload' }`.
 *
 * @example
 * ```ts
 * const progress: JobProgress = { done: 40, total: 120 };
 * monque.worker('import', async (job, context) => {
 *   context.progress(progress);
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
 * context.progress({ stage: 'upload', file: name.slice(0, 200) }); // well under MAX_PROGRESS_SIZE
 * ```
 */
export const MAX_PROGRESS_SIZE = 1024;
