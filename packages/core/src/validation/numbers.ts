import { InvalidArgumentError } from '../errors.js';

/**
 * The longest delay Node's timers honour (2^31 − 1 ms, about 24.8 days); a longer one fires at
 * once, so a timer interval beyond it would silently turn into a busy loop.
 *
 * @example
 * ```ts
 * setTimeout(poll, Math.min(delay, MAX_TIMER_DELAY));
 * ```
 */
export const MAX_TIMER_DELAY = 2 ** 31 - 1;

/**
 * Asserts an integer `≥ min` (and `≤ max` when given): rejects non-numbers, NaN, ±Infinity and
 * fractions.
 *
 * @param argument - The argument or option name for the error, such as `'options.maxRetries'`.
 * @param value - The value to check.
 * @param min - The smallest allowed value.
 * @param max - The largest allowed value, if any.
 * @throws InvalidArgumentError naming `argument`, the rule and the value.
 *
 * @example
 * ```ts
 * assertIntegerInRange('options.maxRetries', 3, 0); // passes
 * assertIntegerInRange('options.concurrency', 1.5, 1); // throws InvalidArgumentError
 * ```
 */
export function assertIntegerInRange(
  argument: string,
  value: unknown,
  min: number,
  max?: number,
): asserts value is number {
  const rule =
    max === undefined ? `must be an integer ≥ ${min}` : `must be an integer from ${min} to ${max}`;
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < min ||
    (max !== undefined && value > max)
  ) {
    throw new InvalidArgumentError(argument, rule, value);
  }
}

/**
 * Asserts a finite number of milliseconds `> 0` (and `≤ max` when given): rejects non-numbers,
 * NaN, ±Infinity, zero and negatives.
 *
 * @param argument - The argument or option name for the error, such as `'options.pollInterval'`.
 * @param value - The value to check.
 * @param max - The largest allowed value, if any (such as {@link MAX_TIMER_DELAY} for timers).
 * @throws InvalidArgumentError naming `argument`, the rule and the value.
 *
 * @example
 * ```ts
 * assertPositiveDuration('options.pollInterval', 500, MAX_TIMER_DELAY); // passes
 * assertPositiveDuration('options.pollInterval', 0); // throws InvalidArgumentError
 * ```
 */
export function assertPositiveDuration(
  argument: string,
  value: unknown,
  max?: number,
): asserts value is number {
  const rule =
    max === undefined
      ? 'must be a finite number of milliseconds > 0'
      : `must be a finite number of milliseconds > 0 and ≤ ${max}`;
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value <= 0 ||
    (max !== undefined && value > max)
  ) {
    throw new InvalidArgumentError(argument, rule, value);
  }
}
