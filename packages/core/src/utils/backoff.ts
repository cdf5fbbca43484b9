import { InvalidArgumentError } from '../errors.js';

/**
 * Largest delay a JavaScript `Date` can carry past the epoch (±8.64e15 ms). A backoff beyond it
 * cannot be stored as a BSON Date, so it is reported instead of silently wrapping.
 */
const MAX_DATE_MS = 8.64e15;

function assertNonNegativeFinite(name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidArgumentError(name, 'must be a finite number ≥ 0', value);
  }
}

/**
 * Delay in milliseconds before the next attempt of a job that has failed `failCount` times:
 * `2^failCount × baseInterval`, capped at `maxDelay` when one is given. No jitter.
 *
 * @param failCount - How many times the job has failed so far (an integer ≥ 0).
 * @param baseInterval - The delay unit in milliseconds (≥ 0).
 * @param maxDelay - Optional upper bound for the delay in milliseconds (≥ 0).
 * @returns The delay in milliseconds.
 * @throws InvalidArgumentError (naming the argument) when an argument is negative, not finite,
 * or `failCount` is not an integer, or — naming `maxDelay` — when there is none and the delay is
 * too large to schedule.
 *
 * @example
 * ```ts
 * calculateBackoffDelay(3, 1000); // 8000
 * calculateBackoffDelay(20, 1000, 60_000); // 60000 (capped)
 * ```
 */
export function calculateBackoffDelay(
  failCount: number,
  baseInterval: number,
  maxDelay?: number,
): number {
  assertNonNegativeFinite('failCount', failCount);
  if (!Number.isInteger(failCount)) {
    throw new InvalidArgumentError('failCount', 'must be an integer', failCount);
  }
  assertNonNegativeFinite('baseInterval', baseInterval);
  if (maxDelay !== undefined) {
    assertNonNegativeFinite('maxDelay', maxDelay);
  }
  const delay = 2 ** failCount * baseInterval;
  if (maxDelay !== undefined && delay > maxDelay) {
    return maxDelay;
  }
  if (!Number.isFinite(delay) || delay > MAX_DATE_MS) {
    throw new InvalidArgumentError(
      'maxDelay',
      `must be given: 2^${failCount} × ${baseInterval} ms is too large to schedule`,
      maxDelay,
    );
  }
  return delay;
}

/**
 * When a job that has failed `failCount` times runs next:
 * `now + 2^failCount × baseInterval`, with the delay capped at `maxDelay` when one is given.
 *
 * @param failCount - How many times the job has failed so far (an integer ≥ 0).
 * @param baseInterval - The delay unit in milliseconds (≥ 0).
 * @param maxDelay - Optional upper bound for the delay in milliseconds (≥ 0).
 * @param now - The reference time (defaults to the current time).
 * @returns The date of the next attempt.
 * @throws InvalidArgumentError on invalid input, as {@link calculateBackoffDelay}; naming `now`
 * for an invalid `now` or one so late that the next attempt is beyond the largest Date.
 *
 * @example
 * ```ts
 * const now = new Date('2026-01-01T00:00:00Z');
 * calculateBackoff(2, 1000, undefined, now); // 2026-01-01T00:00:04.000Z
 * ```
 */
export function calculateBackoff(
  failCount: number,
  baseInterval: number,
  maxDelay?: number,
  now: Date = new Date(),
): Date {
  const nowMs = now instanceof Date ? now.getTime() : Number.NaN;
  if (Number.isNaN(nowMs)) {
    throw new InvalidArgumentError('now', 'must be a valid Date', now);
  }
  const next = nowMs + calculateBackoffDelay(failCount, baseInterval, maxDelay);
  if (next > MAX_DATE_MS) {
    throw new InvalidArgumentError(
      'now',
      `must leave room for the delay: the next attempt (${next} ms) is beyond the largest Date`,
      now,
    );
  }
  return new Date(next);
}
