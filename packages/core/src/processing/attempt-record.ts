import type { Job } from '../jobs/job.js';
import {
  type AttemptOutcome,
  type JobAttempt,
  MAX_ATTEMPT_HISTORY,
  MAX_ATTEMPT_REASON_LENGTH,
} from '../jobs/job-history.js';
import type { JobProgress } from '../jobs/job-progress.js';
import { boundReason, type OutcomeSet } from './outcome.js';
import { expireAtFor, type Retention } from './retention.js';

/** What a run leaves on its job besides its status: how it ended, and what it produced. */
export interface AttemptRecord {
  /** How the run ended. */
  readonly outcome: AttemptOutcome;
  /** The retention of the job's worker, for `expireAt`. */
  readonly retention: Retention;
  /** The handler's result, checked (success only). */
  readonly result?: { readonly value: unknown };
  /** The last value the handler reported with `context.progress()`, if any. */
  readonly progress?: JobProgress;
}

/** The job's history as stored, or none when the field holds something else (a foreign write). */
function historyOf(job: Job): readonly JobAttempt[] {
  return Array.isArray(job.history) ? job.history : [];
}

/**
 * `set` with the record of the run that it ends: the run appended to `history` (the last
 * {@link MAX_ATTEMPT_HISTORY} kept), `lastFailure` for a failed run, `expireAt` when the job ends
 * in a final status (see `expireAtFor`), and the result and last progress when there are some.
 * Only `$set` fields are added, computed from the claimed job: the claim's fence guarantees that
 * nobody else changed these fields meanwhile, so the job as written stays the claimed job with
 * `set` applied.
 */
export function recordAttempt(job: Job, set: OutcomeSet, record: AttemptRecord): OutcomeSet {
  const history = historyOf(job);
  const last: unknown = history.at(-1)?.attempt;
  const attempt = (typeof last === 'number' && Number.isInteger(last) ? last : 0) + 1;
  const reason =
    record.outcome === 'completed' || typeof set.failReason !== 'string' ? null : set.failReason;
  const entry: JobAttempt = {
    attempt,
    outcome: record.outcome,
    claimedAt: job.lockedAt ?? set.updatedAt,
    endedAt: set.updatedAt,
    reason: reason === null ? null : boundReason(reason, MAX_ATTEMPT_REASON_LENGTH),
  };
  const recorded: OutcomeSet = {
    ...set,
    history: [...history, entry].slice(-MAX_ATTEMPT_HISTORY),
  };
  if (reason !== null && record.outcome === 'failed') {
    recorded.lastFailure = { reason, at: set.updatedAt, attempt };
  }
  const expireAt = expireAtFor(job, set.status, record.retention, set.updatedAt);
  if (expireAt !== undefined) recorded.expireAt = expireAt;
  if (record.result !== undefined) recorded.result = record.result.value;
  if (record.progress !== undefined) recorded.progress = record.progress;
  return recorded;
}
