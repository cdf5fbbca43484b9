import { assertIntegerInRange } from './numbers.js';

/**
 * The lowest priority a job can have: −2^31.
 *
 * @example
 * ```ts
 * await monque.enqueue('cleanup', null, { priority: MIN_PRIORITY });
 * ```
 */
export const MIN_PRIORITY = -(2 ** 31);

/**
 * The highest priority a job can have: 2^31 − 1.
 *
 * @example
 * ```ts
 * await monque.enqueue('send-email', { to: 'ada@example.com' }, { priority: MAX_PRIORITY });
 * ```
 */
export const MAX_PRIORITY = 2 ** 31 - 1;

/**
 * Asserts a job priority: an integer from {@link MIN_PRIORITY} to {@link MAX_PRIORITY} (a 32-bit
 * integer, so every priority is stored and compared exactly).
 *
 * @param value - The value given.
 * @param argument - The argument name for the error, such as `'options.priority'`.
 * @throws InvalidArgumentError naming `argument`, the rule and the value.
 *
 * @example
 * ```ts
 * assertPriority(10, 'options.priority'); // passes
 * assertPriority(1.5, 'options.priority'); // throws InvalidArgumentError
 * ```
 */
export function assertPriority(value: unknown, argument: string): asserts value is number {
  assertIntegerInRange(argument, value, MIN_PRIORITY, MAX_PRIORITY);
}
