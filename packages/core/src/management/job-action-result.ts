import type { Job } from '../jobs/job.js';

/**
 * What an action on one job did: `'done'` (the job as written), `'requested'` (a cancel of a
 * running job: the instance running it aborts it), `'refused'` (the job is in a state the action
 * does not apply to; `reason` says which), or `'not-found'`.
 *
 * @example
 * ```ts
 * const result: JobActionResult = await monque.cancelJob(jobId);
 * if (result.outcome === 'refused') console.warn(result.reason);
 * ```
 */
export type JobActionResult =
  | { readonly outcome: 'done'; readonly job: Job }
  | { readonly outcome: 'requested'; readonly job: Job }
  | { readonly outcome: 'refused'; readonly job: Job; readonly reason: string }
  | { readonly outcome: 'not-found' };

/**
 * What an action on the jobs a filter selects did: how many jobs it was applied to, and (cancel
 * only) how many running jobs got a cancel request.
 *
 * @example
 * ```ts
 * const { done, requested }: BulkActionResult = await monque.cancelJobs({ name: 'import' });
 * ```
 */
export interface BulkActionResult {
  /** Jobs the action was applied to. */
  readonly done: number;
  /** Cancel only: running jobs that got a cancel request (0 for other actions). */
  readonly requested: number;
}
