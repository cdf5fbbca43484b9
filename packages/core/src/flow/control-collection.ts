import type { Collection, Db } from 'mongodb';
import { JOBS_COLLECTION_OPTIONS } from '../jobs/jobs-collection.js';

/**
 * A document of the control collection: the pause state of one job name (or of all), or the
 * recent starts of one rate-limited name.
 */
export type ControlDocument = PauseDocument | RateWindowDocument;

/** Whether one job name — or, with `name: null`, every name — is paused. */
export interface PauseDocument {
  /** `pause:<name>`, or `pause-all`. */
  _id: string;
  kind: 'pause';
  /** The job name, or `null` for all. */
  name: string | null;
  paused: boolean;
  updatedAt: Date;
}

/** The start times of the latest jobs of one rate-limited name (see `takeStarts`). */
export interface RateWindowDocument {
  /** `rate:<name>`. */
  _id: string;
  kind: 'rate';
  name: string;
  /** The latest start times (the server's), oldest first, at most the limit's `max`. */
  starts: Date[];
  /** How many starts the last take granted. */
  granted: number;
  /** When the last take was written (the server's time). */
  at: Date;
}

/**
 * The name of the control collection of a jobs collection: `<collectionName>_control`.
 *
 * @example
 * ```ts
 * controlCollectionName('monque_jobs'); // 'monque_jobs_control'
 * ```
 */
export function controlCollectionName(jobsCollectionName: string): string {
  return `${jobsCollectionName}_control`;
}

/**
 * The control collection, read from the primary and written with `w: 'majority'` like the jobs
 * collection: a pause acknowledged by the primary alone could be rolled back after a failover.
 */
export function openControlCollection(
  db: Db,
  jobsCollectionName: string,
): Collection<ControlDocument> {
  return db.collection<ControlDocument>(
    controlCollectionName(jobsCollectionName),
    JOBS_COLLECTION_OPTIONS,
  );
}

/** The `_id` of the pause document of `name` (or of all names, for `null`). */
export function pauseId(name: string | null): string {
  return name === null ? 'pause-all' : `pause:${name}`;
}

/** The `_id` of the rate window document of `name`. */
export function rateId(name: string): string {
  return `rate:${name}`;
}
