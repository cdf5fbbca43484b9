import type { Filter } from 'mongodb';
import type { JobDocument } from '../jobs/job.js';

/**
 * The part of the jobs collection the test helpers read. A `Collection<JobDocument>` from the
 * driver satisfies it.
 *
 * @example
 * ```ts
 * const jobs: JobsCollectionLike = db.collection<JobDocument>('monque_jobs');
 * ```
 */
export interface JobsCollectionLike {
  /**
   * Reads one job.
   *
   * @example
   * ```ts
   * await jobs.findOne({ _id: id });
   * ```
   */
  findOne(filter: Filter<JobDocument>): Promise<JobDocument | null>;
  /**
   * Counts matching jobs.
   *
   * @example
   * ```ts
   * await jobs.countDocuments({ status: JobStatus.Pending });
   * ```
   */
  countDocuments(filter: Filter<JobDocument>): Promise<number>;
}

/**
 * The events the test helpers listen to, to re-check their condition at once.
 *
 * @example
 * ```ts
 * const event: WaitEventName = 'job:complete';
 * ```
 */
export type WaitEventName =
  | 'job:start'
  | 'job:complete'
  | 'job:fail'
  | 'job:cancelled'
  | 'job:error'
  | 'stale:recovered';

/**
 * What the test helpers need from a Monque instance; a `Monque` satisfies it. Tests can pass a
 * small fake instead.
 *
 * @example
 * ```ts
 * const target: MonqueLike = monque;
 * await waitForIdle(target);
 * ```
 */
export interface MonqueLike {
  /** The jobs collection. */
  readonly collection: JobsCollectionLike;
  /** How many jobs this instance is running right now. */
  readonly inFlightCount: number;
  /** The job names this instance has workers for. */
  readonly workerNames: readonly string[];
  /**
   * Adds an event listener. The helpers only learn from it when to look again, so it takes no
   * arguments (and a `Monque` of any job map fits).
   *
   * @example
   * ```ts
   * monque.on('job:complete', onEvent);
   * ```
   */
  on(event: WaitEventName, listener: () => void): unknown;
  /**
   * Removes an event listener added with `on`.
   *
   * @example
   * ```ts
   * monque.off('job:complete', onEvent);
   * ```
   */
  off(event: WaitEventName, listener: () => void): unknown;
}
