import type { Collection, Filter, UpdateFilter } from 'mongodb';
import { MonqueError } from '../errors.js';
import type { JobDocument } from '../jobs/job.js';
import { JobStatus } from '../jobs/job-status.js';
import { parseJobDocument } from '../jobs/parse-job-document.js';
import { abandonUpdate } from '../processing/outcome.js';
import { claimFence } from './fence.js';

/** Who claims: the instance id written to `claimedBy` and its heartbeat interval. */
export interface Claimant {
  readonly instanceId: string;
  readonly heartbeatInterval: number;
}

/**
 * The outcome of one claim: a job now held by this instance; `'none'` when no job of the name is
 * due; or `'foreign'` when the claimed document was not a Monque job (it has been marked failed
 * and reported, and more jobs may be due).
 */
export type ClaimResult =
  | { readonly kind: 'job'; readonly job: JobDocument }
  | { readonly kind: 'none' }
  | { readonly kind: 'foreign'; readonly error: MonqueError };

/** The claim filter: a due pending job of one name (served by the claim index). */
export function dueJobFilter(name: string, now: Date): Filter<JobDocument> {
  return { name, status: JobStatus.Pending, nextRunAt: { $lte: now } };
}

/** Oldest due first; `_id` breaks ties so the order is total. */
export const CLAIM_SORT = { nextRunAt: 1, _id: 1 } as const;

/** The `$set` that turns a pending job into one held by `claimant` since `now`. */
export function claimUpdate(claimant: Claimant, now: Date): UpdateFilter<JobDocument> {
  return {
    $set: {
      status: JobStatus.Processing,
      claimedBy: claimant.instanceId,
      lockedAt: now,
      lastHeartbeat: now,
      heartbeatInterval: claimant.heartbeatInterval,
      updatedAt: now,
    },
  };
}

/**
 * Atomically claims the oldest due pending job of `name` with one `findOneAndUpdate`, so two
 * instances can never hold the same job. A document that turns out not to be a Monque job
 * (written by other software) is marked `failed` with the reason, under the fence of the claim
 * just taken, and returned as `'foreign'` so the caller reports it once and goes on.
 *
 * @param collection - The jobs collection.
 * @param name - The job name (a registered worker's name).
 * @param claimant - This instance.
 * @param now - The claim time; also the fence (`lockedAt`) of the claim.
 */
export async function claimJob(
  collection: Collection<JobDocument>,
  name: string,
  claimant: Claimant,
  now: Date = new Date(),
): Promise<ClaimResult> {
  const claimed = await collection.findOneAndUpdate(
    dueJobFilter(name, now),
    claimUpdate(claimant, now),
    { sort: CLAIM_SORT, returnDocument: 'after' },
  );
  if (claimed === null) {
    return { kind: 'none' };
  }
  const parsed = parseJobDocument(claimed);
  if (parsed.ok) {
    return { kind: 'job', job: parsed.document };
  }
  const error = new MonqueError(`${parsed.problem.message}; it was marked failed`);
  await collection.updateOne(
    claimFence({ _id: claimed._id, claimedBy: claimant.instanceId, lockedAt: now }),
    abandonUpdate(parsed.problem.message, new Date()),
  );
  return { kind: 'foreign', error };
}

/**
 * The earliest future `nextRunAt` among pending jobs of `name` (served by the claim index), so a
 * timer can wake the claim loop then.
 */
export async function findNextFutureRun(
  collection: Collection<JobDocument>,
  name: string,
  now: Date = new Date(),
): Promise<Date | null> {
  const next = await collection.findOne(
    { name, status: JobStatus.Pending, nextRunAt: { $gt: now } },
    { sort: { nextRunAt: 1 }, projection: { _id: 0, nextRunAt: 1 } },
  );
  return next?.nextRunAt instanceof Date ? next.nextRunAt : null;
}
