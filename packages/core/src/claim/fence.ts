import type { Filter } from 'mongodb';
import type { Job, JobDocument } from '../jobs/job.js';
import { JobStatus } from '../jobs/job-status.js';

/** The fields of a claim, as `$set` clears them when a job leaves `processing`. */
export const RELEASED_CLAIM = {
  claimedBy: null,
  lockedAt: null,
  lastHeartbeat: null,
  heartbeatInterval: null,
  groupSlot: null,
} as const satisfies Partial<JobDocument>;

/**
 * The filter that matches a job only while this very claim holds it: same id, still
 * `processing`, same owner and same `lockedAt`. A write with it matches nothing once the job was
 * taken over, released or finished by anyone else.
 */
export function claimFence(job: Pick<Job, '_id' | 'claimedBy' | 'lockedAt'>): Filter<JobDocument> {
  return {
    _id: job._id,
    status: JobStatus.Processing,
    claimedBy: job.claimedBy,
    lockedAt: job.lockedAt,
  };
}
