import type { UpdateFilter } from 'mongodb';
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

/** The update after a successful run: completed, or for a recurring job the next cron time. */
export function successUpdate(job: Job, now: Date): UpdateFilter<JobDocument> {
  if (job.repeatInterval === null) {
    return { $set: { status: JobStatus.Completed, updatedAt: now, ...RELEASED_CLAIM } };
  }
  const nextRunAt = parseCron(job.repeatInterval, job.timezone ?? undefined).next(now);
  return {
    $set: {
      status: JobStatus.Pending,
      nextRunAt,
      failCount: 0,
      failReason: null,
      updatedAt: now,
      ...RELEASED_CLAIM,
    },
  };
}

/**
 * The update after a failed run: back to pending at `now + 2^failCount × base` (capped), or
 * `failed` once `failCount` reaches `maxRetries`.
 */
export function failureUpdate(
  job: Job,
  error: Error,
  policy: RetryPolicy,
  now: Date,
): { update: UpdateFilter<JobDocument>; willRetry: boolean } {
  const failCount = job.failCount + 1;
  const failReason = error.message.slice(0, MAX_FAIL_REASON_LENGTH);
  const willRetry = failCount < policy.maxRetries;
  const set = willRetry
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
    update: { $set: { ...set, failCount, failReason, updatedAt: now, ...RELEASED_CLAIM } },
    willRetry,
  };
}

/** The update that hands a claimed job back, unrun, to be claimed again. */
export function releaseUpdate(now: Date): UpdateFilter<JobDocument> {
  return { $set: { status: JobStatus.Pending, updatedAt: now, ...RELEASED_CLAIM } };
}

/** The update that fails a job for good without a retry (such as an unreadable cron). */
export function abandonUpdate(reason: string, now: Date): UpdateFilter<JobDocument> {
  return {
    $set: {
      status: JobStatus.Failed,
      failReason: reason.slice(0, MAX_FAIL_REASON_LENGTH),
      updatedAt: now,
      ...RELEASED_CLAIM,
    },
  };
}
