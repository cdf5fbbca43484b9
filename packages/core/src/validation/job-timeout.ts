import { assertPositiveDuration, MAX_TIMER_DELAY } from './numbers.js';

/**
 * Asserts a job's time limit (the `timeout` option of `worker()`, `enqueue()`, `enqueueMany()`
 * and `schedule()`): a finite number of milliseconds > 0 and ≤ 2^31 − 1 (Node's longest timer).
 *
 * @param value - The value given.
 * @param argument - The argument name for the error, such as `'options.timeout'`.
 * @throws InvalidArgumentError naming `argument`, the rule and the value.
 */
export function assertJobTimeout(value: unknown, argument: string): asserts value is number {
  assertPositiveDuration(argument, value, MAX_TIMER_DELAY);
}
