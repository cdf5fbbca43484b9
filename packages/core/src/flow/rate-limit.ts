import { InvalidArgumentError } from '../errors.js';
import { readCallOptions } from '../runtime/call-options.js';
import {
  assertIntegerInRange,
  assertPositiveDuration,
  MAX_TIMER_DELAY,
} from '../validation/numbers.js';

/**
 * A rate limit: at most `max` jobs started in any `duration` milliseconds, across all instances.
 *
 * @example
 * ```ts
 * monque.worker('send-email', sendEmail, {
 *   rateLimit: { max: 100, duration: 60_000 } satisfies RateLimit,
 * });
 * ```
 */
export interface RateLimit {
  /** How many jobs may start per `duration` (integer from 1 to {@link MAX_RATE_LIMIT}). */
  readonly max: number;
  /** The length of the sliding window, in ms (> 0, ≤ 2^31 − 1). */
  readonly duration: number;
}

/**
 * The largest `max` of a rate limit: the start times of the last `max` jobs are kept in one
 * document of the control collection.
 *
 * @example
 * ```ts
 * const limit: RateLimit = { max: Math.min(20_000, MAX_RATE_LIMIT), duration: 1000 };
 * ```
 */
export const MAX_RATE_LIMIT = 10_000;

/**
 * Checks a `rateLimit` option: an object with exactly `max` and `duration`.
 *
 * @returns A copy of the limit (the caller cannot change it afterwards).
 * @throws InvalidArgumentError naming the offending field.
 */
export function readRateLimit(value: unknown, argument: string): RateLimit {
  if (value === null || typeof value !== 'object') {
    throw new InvalidArgumentError(argument, 'must be an object { max, duration }', value);
  }
  const { max, duration } = readCallOptions(value, ['max', 'duration'], argument);
  assertIntegerInRange(`${argument}.max`, max, 1, MAX_RATE_LIMIT);
  assertPositiveDuration(`${argument}.duration`, duration, MAX_TIMER_DELAY);
  return { max, duration };
}
