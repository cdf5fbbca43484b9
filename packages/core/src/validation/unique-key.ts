import { InvalidArgumentError } from '../errors.js';

/**
 * The longest unique key accepted, in characters (UTF-16 code units).
 *
 * @example
 * ```ts
 * `report:${customerId}`.length <= MAX_UNIQUE_KEY_LENGTH;
 * ```
 */
export const MAX_UNIQUE_KEY_LENGTH = 1024;

/**
 * Asserts a valid unique key: a string of 1 to 1024 characters. An object (such as
 * `{ $exists: true }`) is rejected before it can reach a query.
 *
 * @param key - The unique key as given by the caller.
 * @param argument - The argument name for the error; defaults to `'uniqueKey'`.
 * @throws InvalidArgumentError naming the argument, the rule and the value.
 *
 * @example
 * ```ts
 * assertUniqueKey('daily-report:2026-01-01'); // passes
 * assertUniqueKey(''); // throws InvalidArgumentError
 * ```
 */
export function assertUniqueKey(key: unknown, argument = 'uniqueKey'): asserts key is string {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_UNIQUE_KEY_LENGTH) {
    throw new InvalidArgumentError(
      argument,
      `must be a string of 1 to ${MAX_UNIQUE_KEY_LENGTH} characters`,
      key,
    );
  }
}
