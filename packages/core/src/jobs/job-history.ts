/**
 * How many run outcomes a job keeps in its `history`: 10. Under the default `maxRetries` (10) that
 * is the whole life of a one-off job, from its first run to its final failure, and for a recurring
 * job its last ten runs — enough for a retry decision or a dashboard to show what happened. The
 * bound keeps the document small whatever the number of runs: an entry is at most about 700
 * bytes (its reason is cut to {@link MAX_ATTEMPT_REASON_LENGTH} characters), so the whole list
 * stays under 8 KiB.
 *
 * @example
 * ```ts
 * const job = await monque.getJob(id);
 * console.log(`${job?.history?.length ?? 0} of at most ${MAX_ATTEMPT_HISTORY} runs kept`);
 * ```
 */
export const MAX_ATTEMPT_HISTORY = 10;

/**
 * The longest failure reason kept in a {@link JobAttempt}, in characters (longer ones are cut).
 * The whole reason of the last failure is in the job's `lastFailure`.
 *
 * @example
 * ```ts
 * const short = job.history?.at(-1)?.reason; // at most MAX_ATTEMPT_REASON_LENGTH characters
 * ```
 */
export const MAX_ATTEMPT_REASON_LENGTH = 200;

/**
 * How a run ended: `completed` (its handler succeeded), `failed` (it threw, or the job was failed
 * without running it, such as after too many takeovers — whether or not a retry follows), or
 * `cancelled`.
 *
 * @example
 * ```ts
 * const failures = (job.history ?? []).filter(({ outcome }) => outcome === ('failed' satisfies AttemptOutcome));
 * ```
 */
export type AttemptOutcome = 'completed' | 'failed' | 'cancelled';

/**
 * One run of a job, as its `history` keeps it.
 *
 * @example
 * ```ts
 * for (const run of job.history ?? []) {
 *   const took = run.endedAt.getTime() - run.claimedAt.getTime();
 *   console.log(`#${run.attempt} ${run.outcome} after ${took} ms`, run.reason ?? '');
 * }
 * ```
 */
export interface JobAttempt {
  /**
   * The run's number among the job's runs that ended with an outcome: 1 for the first; it goes on
   * counting through retries (manual ones too). Runs cut short by a takeover have no outcome and
   * no number.
   */
  readonly attempt: number;
  /** How the run ended. */
  readonly outcome: AttemptOutcome;
  /** When the run's claim was taken (the claim's `lockedAt`). */
  readonly claimedAt: Date;
  /** When its outcome was written. */
  readonly endedAt: Date;
  /**
   * Why it failed or was cancelled, cut to {@link MAX_ATTEMPT_REASON_LENGTH} characters; `null`
   * for a completed run.
   */
  readonly reason: string | null;
}

/**
 * The last failure of a job's runs: its whole reason (at most 4096 characters), when it was
 * written and the run's number.
 *
 * @example
 * ```ts
 * const { lastFailure } = (await monque.getJob(id)) ?? {};
 * if (lastFailure) console.log(`run #${lastFailure.attempt} failed at ${lastFailure.at.toISOString()}: ${lastFailure.reason}`);
 * ```
 */
export interface JobFailure {
  /** The failure's message, as `failReason` had it. */
  readonly reason: string;
  /** When the failure was written. */
  readonly at: Date;
  /** The failed run's number (see {@link JobAttempt.attempt}). */
  readonly attempt: number;
}
