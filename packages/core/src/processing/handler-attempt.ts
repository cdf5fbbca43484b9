import { JobTimeoutError } from '../errors.js';
import type { Job } from '../jobs/job.js';
import type { JobContext, JobHandler } from '../workers/worker-registry.js';
import { toError } from './outcome.js';

/**
 * How an attempt ended, as far as its outcome goes: the handler settled first (its own outcome:
 * `error` or success), or its signal was aborted first — then the abort's `reason` decides the
 * outcome, and `settled` says whether the handler settled within the grace period.
 */
export type AttemptEnd =
  | { readonly aborted: false; readonly error: Error | undefined; readonly value: unknown }
  | { readonly aborted: true; readonly reason: unknown; readonly settled: boolean };

/** The limits of one attempt. */
export interface AttemptLimits {
  /** The time limit in ms, or `undefined` for none. */
  readonly timeout: number | undefined;
  /** How long a handler whose signal was aborted gets to settle before the attempt ends (ms). */
  readonly gracePeriod: number;
  /** The handler's `context.progress()`. */
  readonly progress: JobContext['progress'];
}

/** A running attempt: when its outcome is decided, and when its handler has settled. */
export interface HandlerAttempt {
  readonly end: Promise<AttemptEnd>;
  /**
   * Resolves once the handler has settled — possibly after `end`, when it ignored its signal; its
   * slot stays taken until then.
   */
  readonly settled: Promise<void>;
}

/**
 * Calls the handler with the run's signal and decides when its attempt ends. With a `timeout`,
 * the signal is aborted with a `JobTimeoutError` when it elapses. Whatever aborts the signal (the
 * timeout, a cancel, a lost lease, the shutdown), the abort decides the outcome: the attempt ends
 * when the handler settles or `gracePeriod` after the abort, whichever comes first, and what the
 * handler returns or throws is not its outcome. The timers end with the attempt.
 */
export function startAttempt(
  handler: JobHandler,
  job: Job,
  controller: AbortController,
  { timeout, gracePeriod, progress }: AttemptLimits,
): HandlerAttempt {
  const { signal } = controller;
  let outcome: Promise<{ readonly error: Error | undefined; readonly value: unknown }>;
  try {
    outcome = Promise.resolve(handler(job, { signal, progress })).then(
      (value: unknown) => ({ error: undefined, value }),
      (error: unknown) => ({ error: toError(error), value: undefined }),
    );
  } catch (error) {
    outcome = Promise.resolve({ error: toError(error), value: undefined });
  }
  const settled = outcome.then(() => {});
  const timer =
    timeout === undefined
      ? undefined
      : setTimeout(() => controller.abort(new JobTimeoutError(job._id, timeout)), timeout);
  const end = new Promise<AttemptEnd>((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      const { reason } = signal;
      const grace = setTimeout(
        () => resolve({ aborted: true, reason, settled: false }),
        gracePeriod,
      );
      void settled.then(() => {
        clearTimeout(grace);
        resolve({ aborted: true, reason, settled: true });
      });
    };
    signal.addEventListener('abort', onAbort, { once: true });
    void outcome.then(({ error, value }) => {
      if (signal.aborted) return;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve({ aborted: false, error, value });
    });
  });
  return { end, settled };
}
