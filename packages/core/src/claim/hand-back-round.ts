import type { Collection } from 'mongodb';
import type { Job, JobDocument } from '../jobs/job.js';
import { JobStatus } from '../jobs/job-status.js';
import { claimFence, RELEASED_CLAIM } from './fence.js';

/** A claim round of this instance: the job name, who claimed, and its fence (`lockedAt`). */
export interface ClaimRound {
  readonly name: string;
  readonly instanceId: string;
  readonly lockedAt: Date;
}

/**
 * Hands back to `pending`, unrun, every job a claim round still holds: the `processing` jobs of
 * its name claimed by its instance with its `lockedAt` (the round's fence, unique per round), so
 * no other claim is touched. `takeoverCount` is not increased: nothing crashed.
 *
 * @returns How many jobs were handed back.
 */
export async function handBackRound(
  collection: Collection<JobDocument>,
  round: ClaimRound,
  now: Date = new Date(),
): Promise<number> {
  const result = await collection.updateMany(
    {
      name: round.name,
      status: JobStatus.Processing,
      claimedBy: round.instanceId,
      lockedAt: round.lockedAt,
    },
    { $set: { status: JobStatus.Pending, updatedAt: now, ...RELEASED_CLAIM } },
  );
  return result.modifiedCount;
}

/**
 * Hands back to `pending`, unrun, jobs this instance holds and did not start (claimed ahead of
 * free slots), each under its own claim's fence, with one `updateMany`; a job no longer held by
 * that claim is not touched. `takeoverCount` is not increased: nothing crashed.
 *
 * @returns How many jobs were handed back.
 */
export async function handBackJobs(
  collection: Collection<JobDocument>,
  jobs: readonly Job[],
  now: Date = new Date(),
): Promise<number> {
  const result = await collection.updateMany(
    { _id: { $in: jobs.map((job) => job._id) }, $or: jobs.map(claimFence) },
    { $set: { status: JobStatus.Pending, updatedAt: now, ...RELEASED_CLAIM } },
  );
  return result.modifiedCount;
}
