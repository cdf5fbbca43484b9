import type { ObjectId } from 'mongodb';
import type { JobAttempt, JobFailure } from './job-history.js';
import type { JobProgress } from './job-progress.js';
import type { JobStatus } from './job-status.js';

/**
 * A job as stored in the jobs collection. All times are BSON Dates.
 *
 * @typeParam T - The type of the job's `data`.
 *
 * @example
 * ```ts
 * const doc: JobDocument | null = await monque.collection.findOne({ _id: id });
 * ```
 */
export interface JobDocument<T = unknown> {
  /** The job's id. */
  _id: ObjectId;
  /** The job name, which selects the worker that runs it. */
  name: string;
  /** The payload given to `enqueue`, `now` or `schedule` (`null` when none was given). */
  data: T;
  /** Where the job is in its life cycle. */
  status: JobStatus;
  /** When the job is due next. */
  nextRunAt: Date;
  /** When the current claim was taken, or `null` when the job is not claimed. */
  lockedAt: Date | null;
  /** The `schedulerInstanceId` of the instance that claimed the job, or `null`. */
  claimedBy: string | null;
  /** When the claiming instance last confirmed it is still running the job, or `null`. */
  lastHeartbeat: Date | null;
  /** The heartbeat interval (ms) of the claiming instance, or `null` when not claimed. */
  heartbeatInterval: number | null;
  /** How many times the job has failed so far. */
  failCount: number;
  /** The message of the last failure (at most 4096 characters), or `null`. */
  failReason: string | null;
  /**
   * How many times in a row the job was taken over because the instance running it stopped
   * sending heartbeats; absent when it never was. Set back to 0 by every outcome of a run; a job
   * taken over more than `maxTakeovers` times is failed.
   */
  takeoverCount?: number;
  /** The cron expression of a recurring job, or `null` for a one-off job. */
  repeatInterval: string | null;
  /** The IANA time zone the cron expression is read in, or `null` (UTC). */
  timezone: string | null;
  /**
   * The deduplication key of `enqueue`; the field is absent (not `null`) when there is none, so
   * the partial unique index only covers jobs that have one.
   */
  uniqueKey?: string;
  /**
   * The key of a recurring job within its name (`schedule()`'s `key`, by default the name);
   * absent on one-off jobs. Kept apart from `uniqueKey`, so a schedule never answers an
   * `enqueue` with an equal `uniqueKey`.
   */
  scheduleKey?: string;
  /**
   * The job's own time limit in milliseconds (the `timeout` option of `enqueue()` or
   * `schedule()`); absent when it has none (its worker's `timeout`, if any, applies). Stored on
   * the job so that every instance that runs it honours it.
   */
  timeout?: number;
  /**
   * The job's priority (an integer from −2^31 to 2^31 − 1; default 0): due jobs of one name are
   * claimed highest priority first, then by `nextRunAt`. Absent only on jobs stored by versions
   * of Monque before priorities, which are claimed after every job that has one.
   */
  priority?: number;
  /**
   * The job's group (`enqueue()`'s `groupKey`): a worker with `groupConcurrency` K runs at most
   * K jobs of one name and group at once across all instances. Absent when the job has none.
   */
  groupKey?: string;
  /**
   * The group slot the job holds while `processing` under a worker with `groupConcurrency`
   * (0 to K − 1; unique per name and group, enforced by the `monque_group_slot` index); `null` or
   * absent otherwise. Cleared with the claim by every outcome, hand-back and takeover.
   */
  groupSlot?: number | null;
  /**
   * When a cancel was requested for the job while it was `processing` (`cancelJob()`), by the
   * clock of the instance that requested it; absent or `null` when none is pending. The instance
   * running the job aborts its handler; an instance that claims a job with a request (its owner
   * died or released it) cancels it without running it.
   */
  cancelRequestedAt?: Date | null;
  /** When the job was created. */
  createdAt: Date;
  /** When the job was last changed. */
  updatedAt: Date;
  /**
   * When MongoDB deletes the job (its TTL index on this field): set by the write that makes a
   * one-off job `completed`, `failed` or `cancelled`, from the `retention` option; absent while
   * the job is active, on recurring jobs, and when retention is `false` for its status.
   */
  expireAt?: Date;
  /**
   * What the handler of the last successful run returned (`null` when it returned nothing);
   * absent until a run succeeds.
   */
  result?: unknown;
  /**
   * The latest value the handler passed to `context.progress()`: a number from 0 to 100 or a
   * small document; absent until it reports one.
   */
  progress?: JobProgress;
  /** The last failure of a run (kept through a manual retry and later successes); absent until one. */
  lastFailure?: JobFailure;
  /**
   * The outcomes of the job's last runs, oldest first: at most `MAX_ATTEMPT_HISTORY` entries, so
   * the document does not grow with every run; absent until a run ends.
   */
  history?: JobAttempt[];
}

/**
 * A job as handlers and event listeners see it: a read-only snapshot of its {@link JobDocument}.
 *
 * @typeParam T - The type of the job's `data`.
 *
 * @example
 * ```ts
 * monque.worker('send-email', async (job: Job<{ to: string }>) => {
 *   await mailer.send(job.data.to);
 * });
 * ```
 */
export type Job<T = unknown> = Readonly<JobDocument<T>>;

/**
 * A job of a job map: for each job name, a {@link Job} whose `name` is that name and whose `data`
 * is that name's data — a union over the names, so checking `job.name` narrows `job.data`. With
 * the default map (any name, `unknown` data) it is a plain `Job`.
 *
 * @typeParam JobMap - Job names mapped to the type of their data, as given to `Monque<JobMap>`.
 * @typeParam Name - The names it is a job of; default: all names of the map.
 *
 * @example
 * ```ts
 * type Jobs = { 'send-email': { to: string }; cleanup: null };
 * function describe(job: JobOf<Jobs>): string {
 *   return job.name === 'send-email' ? `mail to ${job.data.to}` : 'cleanup';
 * }
 * ```
 */
export type JobOf<
  JobMap extends Record<string, unknown>,
  Name extends keyof JobMap & string = keyof JobMap & string,
> = { [N in Name]: Job<JobMap[N]> & { readonly name: N } }[Name];
