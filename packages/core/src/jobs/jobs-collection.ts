import type { Collection, CollectionOptions, Db } from 'mongodb';
import type { JobDocument } from './job.js';

/**
 * How the scheduler reads and writes the jobs collection, whatever the client's defaults:
 * - reads from the primary: the claim's read-back, the outcome's read-back and the stale lookups
 *   decide who owns a job, and a lagging secondary can answer with a state that is no longer true;
 * - writes acknowledged by a majority: a claim or an outcome acknowledged by the primary alone can
 *   be rolled back after a failover, and the job then run twice or lost.
 */
export const JOBS_COLLECTION_OPTIONS = {
  readPreference: 'primary',
  writeConcern: { w: 'majority' },
} as const satisfies CollectionOptions;

/** The jobs collection of `db`, read and written as {@link JOBS_COLLECTION_OPTIONS} says. */
export function openJobsCollection(db: Db, name: string): Collection<JobDocument> {
  return db.collection<JobDocument>(name, JOBS_COLLECTION_OPTIONS);
}
