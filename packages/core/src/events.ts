import type { JobOf } from './jobs/job.js';
import type { JobProgress } from './jobs/job-progress.js';
import type { JobFilter } from './management/job-filter.js';

/**
 * Payload of `'job:complete'`: the job as written after the success, and how long its handler
 * ran. Emitted once the completion write has landed.
 *
 * @example
 * ```ts
 * monque.on('job:complete', ({ job, duration }: JobCompleteEvent<DocsJobs>) => {
 *   console.log(`${job.name} took ${duration} ms`);
 * });
 * ```
 *
 * @typeParam JobMap - The job map of the instance, which types `job`.
 */
export interface JobCompleteEvent<
  JobMap extends Record<string, unknown> = Record<string, unknown>,
> {
  /**
   * The job as the completion write left it: `status: 'completed'` and the claim fields cleared,
   * or for a recurring job `status: 'pending'` with the next `nextRunAt`; `result` holds what the
   * handler returned (`null` for nothing). Built from the claimed job and the fields Monque wrote
   * under the claim's fence (not read back from the database).
   */
  job: JobOf<JobMap>;
  /** How long the handler ran, in milliseconds. */
  duration: number;
}

/**
 * Payload of `'job:fail'`: the job as written after the failure, the error, and whether the job
 * will be retried. Emitted once the failure write has landed. Besides a handler's failure, an
 * attempt fails when its time limit elapsed (a `JobTimeoutError`, retried like any failure), and
 * a job fails (`willRetry: false`) when it was taken over more than `maxTakeovers` times (a
 * `TakeoverLimitError`, the handler not run), when its handler returned a result that cannot be
 * stored (a `JobResultError`), or when the database refused its outcome for good (the
 * `DatabaseError`; the job's final failure was written instead).
 *
 * @example
 * ```ts
 * monque.on('job:fail', ({ job, error, willRetry }: JobFailEvent<DocsJobs>) => {
 *   if (willRetry) {
 *     console.warn(`${job.name}: failure #${job.failCount}, retry at ${job.nextRunAt.toISOString()}`);
 *   } else {
 *     alert(`${job.name} failed for good after ${job.failCount} failures: ${error.message}`);
 *   }
 * });
 * ```
 *
 * @typeParam JobMap - The job map of the instance, which types `job`.
 */
export interface JobFailEvent<JobMap extends Record<string, unknown> = Record<string, unknown>> {
  /**
   * The job as the failure write left it: `failReason` set, and either `status: 'pending'` with
   * the retry's `nextRunAt` (`failCount` already incremented), or `status: 'failed'` — or, for a
   * recurring job's final failure, `status: 'pending'` at its next occurrence with `failCount` 0.
   * Built from the claimed job and the fields Monque wrote under the claim's fence (not read
   * back).
   */
  job: JobOf<JobMap>;
  /**
   * What the handler threw (a non-Error throw is wrapped in an Error); a `JobTimeoutError`, a
   * `TakeoverLimitError`, a `JobResultError` or a `DatabaseError` when the job failed for those
   * reasons.
   */
  error: Error;
  /**
   * `true` when the job goes back to pending for another attempt; `false` when the failure is
   * final (a recurring job then goes on at its next occurrence).
   */
  willRetry: boolean;
}

/**
 * Payload of `'job:cancelled'`: a job was cancelled, and its new state was written. Emitted by the
 * instance that wrote it: the one that called `cancelJob()` (or `unschedule()`) for a pending
 * job; for a running job, the instance that ran it, once its handler has settled (or
 * `abortGracePeriod` has passed) and the job was written `cancelled` under the claim's fence.
 *
 * @example
 * ```ts
 * monque.on('job:cancelled', ({ job }: JobCancelledEvent<DocsJobs>) => {
 *   console.info(`${job.name} ${job._id.toHexString()} cancelled (${job.status})`);
 * });
 * ```
 *
 * @typeParam JobMap - The job map of the instance, which types `job`.
 */
export interface JobCancelledEvent<
  JobMap extends Record<string, unknown> = Record<string, unknown>,
> {
  /**
   * The job as the cancel left it: `status: 'cancelled'` and the claim fields cleared — or, for a
   * recurring job (whose one occurrence was cancelled), `status: 'pending'` at its next
   * occurrence.
   */
  job: JobOf<JobMap>;
}

/**
 * Payload of `'job:error'`: an error of Monque itself (not a handler's), such as a lost database
 * connection (`ConnectionError`), a write the database refused (`DatabaseError`), a foreign
 * document in the jobs collection, or a listener that threw (`ListenerError`); `job` is set when
 * one job is concerned (as this instance claimed it). A transiently failed outcome write is
 * reported once per attempt while Monque retries it; `JobOwnershipLostError` says the job was
 * taken over, or that this instance gave it up because its heartbeats could not be confirmed (its
 * handler's signal is then aborted with that error). With no `job:error` listener these errors become process warnings (rate-limited).
 *
 * @example
 * ```ts
 * monque.on('job:error', ({ error, job }: JobErrorEvent<DocsJobs>) => {
 *   logger.error({ err: error, jobId: job?._id.toHexString() }, 'monque error');
 * });
 * ```
 *
 * @typeParam JobMap - The job map of the instance, which types `job`.
 */
export interface JobErrorEvent<JobMap extends Record<string, unknown> = Record<string, unknown>> {
  /** What went wrong. */
  error: Error;
  /** The job concerned, if any. */
  job?: JobOf<JobMap>;
}

/**
 * Payload of `'stale:recovered'`: how many jobs with a stale claim this instance took back.
 *
 * @example
 * ```ts
 * monque.on('stale:recovered', ({ count }: StaleRecoveredEvent) => metrics.add('stale', count));
 * ```
 */
export interface StaleRecoveredEvent {
  /** The number of jobs returned to pending. */
  count: number;
}

/**
 * Payload of `'changestream:error'`: the change stream failed; Monque retries or falls back to
 * polling.
 *
 * @example
 * ```ts
 * monque.on('changestream:error', ({ error }: ChangeStreamErrorEvent) => console.warn(error));
 * ```
 */
export interface ChangeStreamErrorEvent {
  /** The driver's error. */
  error: Error;
}

/**
 * Payload of `'changestream:fallback'`: change streams are unavailable, so Monque polls every
 * `pollInterval` instead. After failed reconnects (such as a long outage) Monque keeps trying to
 * re-open the stream — first after `pollInterval`, doubling with every failed attempt (each a
 * `'changestream:error'`), at most every 30 s — and emits `'changestream:connected'` once it is
 * back, then polls every `backupPollInterval` again. On a server without change streams (a
 * standalone `mongod`, error 40573) the fallback is for good.
 *
 * @example
 * ```ts
 * monque.on('changestream:fallback', ({ reason }: ChangeStreamFallbackEvent) => console.info(reason));
 * ```
 */
export interface ChangeStreamFallbackEvent {
  /** Why change streams are not used. */
  reason: string;
}

/**
 * Payload of `'queue:paused'` and `'queue:resumed'`: which job name was paused or resumed
 * (`null`: all names, as `pause()` and `resume()` without a name do). Each instance emits them
 * when it learns of the change: at once for its own `pause()`/`resume()` calls, at `start()` for
 * the pauses in force, and while running within about a second of another instance's call (its
 * change stream on the control collection) or within one `pollInterval` (without change streams).
 *
 * @example
 * ```ts
 * monque.on('queue:paused', ({ name }: QueuePauseEvent) => console.info(`paused: ${name ?? 'all'}`));
 * ```
 */
export interface QueuePauseEvent {
  /** The job name, or `null` for all names. */
  name: string | null;
}

/**
 * Payload of `'job:progress'`: a running job's handler reported progress with
 * `context.progress()`. Emitted by the instance running it, at every report (the database gets
 * at most one write per job per second).
 *
 * @example
 * ```ts
 * monque.on('job:progress', ({ job, progress }: JobProgressEvent<DocsJobs>) => {
 *   console.log(job._id.toHexString(), progress);
 * });
 * ```
 *
 * @typeParam JobMap - The job map of the instance, which types `job`.
 */
export interface JobProgressEvent<
  JobMap extends Record<string, unknown> = Record<string, unknown>,
> {
  /** The job as claimed, with `progress` set to the reported value. */
  job: JobOf<JobMap>;
  /** The value reported (a copy: changing the handler's object later does not change it). */
  progress: JobProgress;
}

/**
 * Payload of `'job:retried'`: `retryJob` put a failed or cancelled job back to pending.
 *
 * @example
 * ```ts
 * monque.on('job:retried', ({ job }: JobRetriedEvent<DocsJobs>) => {
 *   logger.info({ jobId: job._id.toHexString() }, 'job retried');
 * });
 * ```
 *
 * @typeParam JobMap - The job map of the instance, which types `job`.
 */
export interface JobRetriedEvent<JobMap extends Record<string, unknown> = Record<string, unknown>> {
  /** The job as the retry wrote it: `pending`, due now, `failCount` 0, its history kept. */
  job: JobOf<JobMap>;
}

/**
 * Payload of `'job:rescheduled'`: `rescheduleJob` moved a pending job's next run.
 *
 * @example
 * ```ts
 * monque.on('job:rescheduled', ({ job, previousRunAt }: JobRescheduledEvent<DocsJobs>) => {
 *   console.log(`${job.name}: ${previousRunAt.toISOString()} → ${job.nextRunAt.toISOString()}`);
 * });
 * ```
 *
 * @typeParam JobMap - The job map of the instance, which types `job`.
 */
export interface JobRescheduledEvent<
  JobMap extends Record<string, unknown> = Record<string, unknown>,
> {
  /** The job as the reschedule wrote it. */
  job: JobOf<JobMap>;
  /** Its `nextRunAt` before. */
  previousRunAt: Date;
}

/**
 * Payload of `'job:deleted'`: `deleteJob` deleted a job.
 *
 * @example
 * ```ts
 * monque.on('job:deleted', ({ job }: JobDeletedEvent<DocsJobs>) => {
 *   logger.info({ jobId: job._id.toHexString(), name: job.name }, 'job deleted');
 * });
 * ```
 *
 * @typeParam JobMap - The job map of the instance, which types `job`.
 */
export interface JobDeletedEvent<JobMap extends Record<string, unknown> = Record<string, unknown>> {
  /** The job as it was when it was deleted. */
  job: JobOf<JobMap>;
}

/**
 * An action applied to every job a filter selects: `'retry'` (`retryJobs`), `'cancel'`
 * (`cancelJobs`) or `'delete'` (`deleteJobs`).
 *
 * @example
 * ```ts
 * const action: BulkAction = 'retry';
 * ```
 */
export type BulkAction = 'retry' | 'cancel' | 'delete';

/**
 * Payload of `'jobs:bulk'`: one bulk call (`retryJobs`, `cancelJobs`, `deleteJobs`) is done.
 *
 * @example
 * ```ts
 * monque.on('jobs:bulk', ({ action, done }: BulkActionEvent) => console.log(`${action}: ${done} jobs`));
 * ```
 */
export interface BulkActionEvent {
  /** What was done. */
  action: BulkAction;
  /** The filter as checked (a copy); `{}` for a call with `{ all: true }` and no filter. */
  filter: JobFilter;
  /** How many jobs the action was applied to. */
  done: number;
  /** Processing jobs that got a cancel request (0 for actions other than cancel). */
  requested: number;
}

/**
 * The events of a Monque instance and their listener arguments: `on`, `once`, `off` and `emit`
 * of a `Monque<JobMap>` check names and payloads against `MonqueEventMap<JobMap>`, and the jobs
 * the events carry are typed by the job map ({@link JobOf}: `job.name` narrows `job.data`).
 *
 * @typeParam JobMap - The job map of the instance, which types the jobs of the events.
 *
 * @example
 * ```ts
 * monque.on('job:start', (job) => console.log('started', job.name));
 * monque.on('job:complete', ({ job }) => {
 *   if (job.name === 'send-email') console.log('mailed', job.data.to);
 * });
 * monque.on('changestream:connected', () => console.log('notified by change streams'));
 * ```
 */
export interface MonqueEventMap<JobMap extends Record<string, unknown> = Record<string, unknown>> {
  /** A handler is about to run a claimed job. */
  'job:start': [job: JobOf<JobMap>];
  /** A handler finished without error and the job was marked completed (or rescheduled); the payload's job is as written. */
  'job:complete': [event: JobCompleteEvent<JobMap>];
  /** A run failed (its handler threw, or see {@link JobFailEvent}), and the failure was written. */
  'job:fail': [event: JobFailEvent<JobMap>];
  /** A job was cancelled and its new state was written (see {@link JobCancelledEvent}). */
  'job:cancelled': [event: JobCancelledEvent<JobMap>];
  /** Monque itself hit an error (not a handler); a process warning when nobody listens. */
  'job:error': [event: JobErrorEvent<JobMap>];
  /** A running job's handler reported progress (emitted by the instance running it). */
  'job:progress': [event: JobProgressEvent<JobMap>];
  /** `retryJob` put a failed or cancelled job back to pending (emitted by the instance that did it). */
  'job:retried': [event: JobRetriedEvent<JobMap>];
  /** `rescheduleJob` moved a pending job's next run (emitted by the instance that did it). */
  'job:rescheduled': [event: JobRescheduledEvent<JobMap>];
  /** `deleteJob` deleted a job (emitted by the instance that did it). */
  'job:deleted': [event: JobDeletedEvent<JobMap>];
  /** A bulk call (`retryJobs`, `cancelJobs`, `deleteJobs`) is done: what it did and to how many jobs. */
  'jobs:bulk': [event: BulkActionEvent];
  /** Jobs with stale claims were returned to pending. */
  'stale:recovered': [event: StaleRecoveredEvent];
  /** The change stream is open; new jobs are noticed without polling. */
  'changestream:connected': [];
  /** The change stream failed. */
  'changestream:error': [event: ChangeStreamErrorEvent];
  /** The change stream was closed (on `stop()` or before a reconnect). */
  'changestream:closed': [];
  /** Change streams are unavailable; Monque polls instead (and retries the stream unless the server has none). */
  'changestream:fallback': [event: ChangeStreamFallbackEvent];
  /** This instance learned that a job name (or all) was paused: its jobs are no longer claimed. */
  'queue:paused': [event: QueuePauseEvent];
  /** This instance learned that a job name (or all) was resumed: its jobs are claimed again. */
  'queue:resumed': [event: QueuePauseEvent];
}
