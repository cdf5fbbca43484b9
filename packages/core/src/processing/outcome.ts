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

/** Longest `failReason` stored, in characters; longer messages are cut. */
export const MAX_FAIL_REASON_LENGTH = 4096;

/**
 * Longest `failReason` of the fallback write that fails a job whose outcome the database refused:
 * short, so that it fits where the refused write did not (a document near 16 MiB).
 */
export const FALLBACK_REASON_LENGTH = 512;

/**
 * `text` cut to at most `max` characters (the last one then `…`), never inside a surrogate pair,
 * so that every failure reason stored on a job is bounded in size.
 */
export function boundReason(text: string, max: number = MAX_FAIL_REASON_LENGTH): string {
  if (text.length <= max) {
    return text;
  }
  let end = max - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) {
    end -= 1;
  }
  return `${text.slice(0, end)}…`;
}

/** A handler's throw as an Error: Errors pass through, other values are wrapped (as `cause`). */
export function toError(value: unknown): Error {
  if (value instanceof Error) {
    return value;
  }
  return new Error(`the handler threw a non-Error value: ${describeValue(value)}`, {
    cause: value,
  });
}

/**
 * The fields after a successful run: completed, or for a recurring job the next cron time. The
 * takeover count starts again: the run ended.
 *
 * @throws InvalidCronError when a recurring job's stored cron expression cannot be read.
 */
export function successSet(job: Job, now: Date): OutcomeSet {
  if (job.repeatInterval === null) {
    return { status: JobStatus.Completed, takeoverCount: 0, updatedAt: now, ...RELEASED_CLAIM };
  }
  const nextRunAt = parseCron(job.repeatInterval, job.timezone ?? undefined).next(now);
  return {
    status: JobStatus.Pending,
    nextRunAt,
    failCount: 0,
    failReason: null,
    takeoverCount: 0,
    updatedAt: now,
    ...RELEASED_CLAIM,
  };
}

/**
 * The fields after a failed run: `failCount` + 1, and back to pending at
 * `now + 2^failCount × base` (capped) while `failCount` is below `maxRetries` (so `maxRetries`
 * is the number of failures after which no retry follows); otherwise the final failure of
 * {@link finalFailureSet}. The takeover count starts again: the run ended.
 */
export function failureSet(
  job: Job,
  error: Error,
  policy: RetryPolicy,
  now: Date,
): { set: OutcomeSet; willRetry: boolean } {
  const failCount = job.failCount + 1;
  if (failCount >= policy.maxRetries) {
    return {
      set: { ...finalFailureSet(job, error.message, failCount, now), takeoverCount: 0 },
      willRetry: false,
    };
  }
  return {
    set: {
      status: JobStatus.Pending,
      nextRunAt: calculateBackoff(failCount, policy.baseRetryInterval, policy.maxBackoffDelay, now),
      failCount,
      failReason: boundReason(error.message),
      takeoverCount: 0,
      updatedAt: now,
      ...RELEASED_CLAIM,
    },
    willRetry: true,
  };
}

/**
 * The fields of a job's final failure, with no retry: a one-off job is `failed` with `reason`
 * (bounded) and `failCount`. A recurring job is not given up: the failure is recorded (`reason`
 * stays on the job) and its schedule lives on — pending at its next occurrence after `now`, with
 * `failCount` 0 and the takeover count 0 — unless its cron expression cannot be read, in which
 * case it is failed too.
 *
 * @param maxReason - The longest reason kept (default {@link MAX_FAIL_REASON_LENGTH}).
 */
export function finalFailureSet(
  job: Job,
  reason: string,
  failCount: number,
  now: Date,
  maxReason: number = MAX_FAIL_REASON_LENGTH,
): OutcomeSet {
  const failReason = boundReason(reason, maxReason);
  if (job.repeatInterval !== null) {
    let nextRunAt: Date | undefined;
    try {
      nextRunAt = parseCron(job.repeatInterval, job.timezone ?? undefined).next(now);
    } catch {
      // An unreadable cron has no next occurrence: the job is failed below.
    }
    if (nextRunAt !== undefined) {
      return {
        status: JobStatus.Pending,
        nextRunAt,
        failCount: 0,
        failReason,
        takeoverCount: 0,
        updatedAt: now,
        ...RELEASED_CLAIM,
      };
    }
  }
  return { status: JobStatus.Failed, failCount, failReason, updatedAt: now, ...RELEASED_CLAIM };
}

/** The fields that hand a claimed job back, unrun, to be claimed again. */
export function releaseSet(now: Date): OutcomeSet {
  return { status: JobStatus.Pending, updatedAt: now, ...RELEASED_CLAIM };
}

/** The fields that fail a job for good without a retry (such as an unreadable cron). */
export function abandonSet(reason: string, now: Date): OutcomeSet {
  return {
    status: JobStatus.Failed,
    failReason: boundReason(reason),
    updatedAt: now,
    ...RELEASED_CLAIM,
  };
}
