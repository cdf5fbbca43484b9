import { RELEASED_CLAIM } from '../claim/fence.js';
import type { Job } from '../jobs/job.js';
import { JobStatus } from '../jobs/job-status.js';
import { parseCron } from '../scheduling/cron.js';
import type { OutcomeSet } from './outcome.js';

/**
 * The fields that cancel a job, and clear its cancel request and claim. A one-off job is
 * `cancelled` for good. A recurring job has only one occurrence cancelled: it is `pending` at its
 * next occurrence after `after` (its schedule lives on, with `failCount` and `takeoverCount` 0),
 * unless its cron expression cannot be read — then it is `cancelled` too.
 *
 * @param after - Where the next occurrence of a recurring job is looked for: now for the
 * occurrence that ran; for a pending job, the later of now and its `nextRunAt` (the occurrence
 * that is cancelled).
 */
export function cancelledSet(
  job: Pick<Job, 'repeatInterval' | 'timezone'>,
  now: Date,
  after: Date = now,
): OutcomeSet {
  const ended = { updatedAt: now, cancelRequestedAt: null, ...RELEASED_CLAIM };
  if (job.repeatInterval !== null) {
    let nextRunAt: Date | undefined;
    try {
      nextRunAt = parseCron(job.repeatInterval, job.timezone ?? undefined).next(after);
    } catch {
      // An unreadable cron has no next occurrence: the job is cancelled below.
    }
    if (nextRunAt !== undefined) {
      return { status: JobStatus.Pending, nextRunAt, failCount: 0, takeoverCount: 0, ...ended };
    }
  }
  return { status: JobStatus.Cancelled, ...ended };
}
