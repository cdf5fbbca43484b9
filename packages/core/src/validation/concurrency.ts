import { assertIntegerInRange } from './numbers.js';

/**
 * Asserts a valid concurrency: an integer ≥ 1.
 *
 * @param concurrency - The value as given by the caller.
 * @param argument - The argument name for the error; defaults to `'options.concurrency'`.
 * @throws InvalidArgumentError naming the argument, the rule and the value.
 *
 * @example
 * ```ts
 * assertConcurrency(4); // passes
 * assertConcurrency(0.5); // throws InvalidArgumentError: … must be an integer ≥ 1 …
 * ```
 */
export function assertConcurrency(
  concurrency: unknown,
  argument = 'options.concurrency',
): asserts concurrency is number {
  assertIntegerInRange(argument, concurrency, 1);
}
