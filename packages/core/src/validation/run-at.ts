import { InvalidArgumentError } from '../errors.js';

/**
 * Asserts a valid `Date` (not an invalid Date). Numbers and strings are rejected rather than
 * guessed at, so a time zone or unit mix-up cannot slip through.
 *
 * @param runAt - The run time as given by the caller.
 * @param argument - The argument name for the error; defaults to `'runAt'`.
 * @throws InvalidArgumentError naming the argument, the rule and the value.
 *
 * @example
 * ```ts
 * assertRunAt(new Date(Date.now() + 60_000)); // passes
 * assertRunAt(Date.now()); // throws InvalidArgumentError: Invalid runAt: must be a valid Date …
 * ```
 */
export function assertRunAt(runAt: unknown, argument = 'runAt'): asserts runAt is Date {
  if (!(runAt instanceof Date) || Number.isNaN(runAt.getTime())) {
    throw new InvalidArgumentError(
      argument,
      'must be a valid Date (convert numbers and strings with new Date(…) first)',
      runAt,
    );
  }
}
