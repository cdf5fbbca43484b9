import type { ClientSession, Collection, ObjectId } from 'mongodb';
import { MonqueError } from '../errors.js';
import type { Job, JobDocument } from '../jobs/job.js';
import { JobStatus } from '../jobs/job-status.js';
import { cancelledSet } from '../processing/cancel-outcome.js';
import type { JobActionResult } from './job-action.js';

/** How often a cancel is tried again when the job changed state between its read and write. */
export const MAX_CANCEL_ATTEMPTS = 5;

/**
 * The fields that cancel a pending job: `cancelled` — a recurring job has the occurrence it waits
 * for cancelled instead: pending at the next one after it (and after `now`).
 */
export function pendingCancelSet(job: Job, now: Date) {
  const after = job.nextRunAt.getTime() > now.getTime() ? job.nextRunAt : now;
  return cancelledSet(job, now, after);
}

/**
 * Cancels one job, each step one atomic write fenced by the job's status:
 * - `pending` → `cancelled` at once (`done`); a recurring job: pending at its next occurrence;
 * - `processing` → a cancel request (`cancelRequestedAt`) on the job (`requested`): the instance
 *   running it aborts its handler and writes it `cancelled`;
 * - `completed`, `failed`, `cancelled` → left alone (`refused`, with the reason).
 *
 * A one-off pending job costs one round trip; otherwise the job is read to choose the write, and
 * read again when its state changed meanwhile.
 *
 * @param options - Passed on to every write (such as a `session`).
 * @throws MonqueError when the job changed state {@link MAX_CANCEL_ATTEMPTS} times in a row.
 */
export async function cancelJob(
  collection: Collection<JobDocument>,
  id: ObjectId,
  now: Date,
  options: { readonly session?: ClientSession } = {},
): Promise<JobActionResult> {
  const oneOff = await collection.findOneAndUpdate(
    { _id: id, status: JobStatus.Pending, repeatInterval: null },
    { $set: cancelledSet({ repeatInterval: null, timezone: null }, now) },
    { ...options, returnDocument: 'after' },
  );
  if (oneOff !== null) return { outcome: 'done', job: oneOff };
  for (let attempt = 1; attempt <= MAX_CANCEL_ATTEMPTS; attempt += 1) {
    const job = await collection.findOne({ _id: id }, options);
    if (job === null) return { outcome: 'not-found' };
    if (job.status === JobStatus.Pending) {
      const written = await collection.findOneAndUpdate(
        { _id: id, status: JobStatus.Pending, nextRunAt: job.nextRunAt },
        { $set: pendingCancelSet(job, now) },
        { ...options, returnDocument: 'after' },
      );
      if (written !== null) return { outcome: 'done', job: written };
    } else if (job.status === JobStatus.Processing) {
      const requested = await collection.findOneAndUpdate(
        { _id: id, status: JobStatus.Processing },
        { $set: { cancelRequestedAt: now } },
        { ...options, returnDocument: 'after' },
      );
      if (requested !== null) return { outcome: 'requested', job: requested };
    } else {
      return { outcome: 'refused', job, reason: `the job is already ${job.status}` };
    }
  }
  throw new MonqueError(
    `could not cancel job ${id.toHexString()}: it changed state ${MAX_CANCEL_ATTEMPTS} times ` +
      'while being cancelled',
  );
}
