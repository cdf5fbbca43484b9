import type { Collection } from 'mongodb';
import type { JobDocument } from '../jobs/job.js';
import { JobStatus } from '../jobs/job-status.js';
import { RELEASED_CLAIM } from './fence.js';

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
