import { RELEASED_CLAIM } from '../claim/fence.js';
import type { Job, JobDocument } from '../jobs/job.js';
import { JobStatus } from '../jobs/job-status.js';
import { parseCron } from '../scheduling/cron.js';
import { calculateBackoff } from '../utils/backoff.js';
import { describeValue } from '../validation/describe-value.js';

/** The retry rules of an instance (from its options). */
export interface RetryPolicy {
  readonly maxRetries: number;
  readonly baseRetryInterval: number;
  readonly maxBackoffDelay: number;
}

/**
 * The `$set` of an outcome write. Outcome writes only set fields, so the job as written is the
 * claimed job with these fields applied; `updatedAt` is unique to the outcome and marks it (see
 * `OutcomeWriter`).
 */
export type OutcomeSet = Partial<JobDocument> & Pick<JobDocument, 'status' | 'updatedAt'>;

/** The job as an outcome write leaves it: the claimed job with the outcome's fields applied. */
export function applyOutcome(job: Job, set: OutcomeSet): Job {
  return { ...job, ...set };
}

/** Longest `failReason` stored; longer messages are cut. */
export const MAX_FAIL_REASON_LENGTH = 4096;

/** A handler's throw as an Error: Errors pass through, other values are wrapped (as `cause`). */
export function toError(value: unknown): Error {
  if (value instanceof Error) {
    return value;
  }
  return new Error(`the handler threw a non-Error value: ${describeValue(value)}`, {
    cause: value,
  });
}

/** The fields after a successful run: completed, or for a recurring job the next cron time. */
export function successSet(job: Job, now: Date): OutcomeSet {
  if (job.repeatInterval === null) {
    return { status: JobStatus.Completed, updatedAt: now, ...RELEASED_CLAIM };
  }
  const nextRunAt = parseCron(job.repeatInterval, job.timezone ?? undefined).next(now);
  return {
    status: JobStatus.Pending,
    nextRunAt,
    failCount: 0,
    failReason: null,
    updatedAt: now,
    ...RELEASED_CLAIM,
  };
}

/**
 * The fields after a failed run: `failCount` + 1, and back to pending at
 * `now + 2^failCount × base` (capped), or `failed` once `failCount` reaches `maxRetries` (so
 * `maxRetries` is the number of failures after which the job is failed).
 */
export function failureSet(
  job: Job,
  error: Error,
  policy: RetryPolicy,
  now: Date,
): { set: OutcomeSet; willRetry: boolean } {
  const failCount = job.failCount + 1;
  const failReason = error.message.slice(0, MAX_FAIL_REASON_LENGTH);
  const willRetry = failCount < policy.maxRetries;
  const next: Pick<JobDocument, 'status'> & Partial<JobDocument> = willRetry
    ? {
        status: JobStatus.Pending,
        nextRunAt: calculateBackoff(
          failCount,
          policy.baseRetryInterval,
          policy.maxBackoffDelay,
          now,
        ),
      }
    : { status: JobStatus.Failed };
  return {
    set: { ...next, failCount, failReason, updatedAt: now, ...RELEASED_CLAIM },
    willRetry,
  };
}

/** The fields that hand a claimed job back, unrun, to be claimed again. */
export function releaseSet(now: Date): OutcomeSet {
  return { status: JobStatus.Pending, updatedAt: now, ...RELEASED_CLAIM };
}

/** The fields that fail a job for good without a retry (such as an unreadable cron). */
export function abandonSet(reason: string, now: Date): OutcomeSet {
  return {
    status: JobStatus.Failed,
    failReason: reason.slice(0, MAX_FAIL_REASON_LENGTH),
    updatedAt: now,
    ...RELEASED_CLAIM,
  };
}
