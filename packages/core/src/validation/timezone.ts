import { InvalidArgumentError } from '../errors.js';

/**
 * Asserts an IANA time zone name the runtime knows, such as `'Europe/Berlin'` or `'UTC'`.
 *
 * @param timezone - The time zone as given by the caller.
 * @param argument - The argument name for the error; defaults to `'options.timezone'`.
 * @throws InvalidArgumentError naming the argument, the rule and the value.
 *
 * @example
 * ```ts
 * assertTimezone('America/New_York'); // passes
 * assertTimezone('Mars/Olympus'); // throws InvalidArgumentError
 * ```
 */
export function assertTimezone(
  timezone: unknown,
  argument = 'options.timezone',
): asserts timezone is string {
  const rule = "must be an IANA time zone name such as 'Europe/Berlin' or 'UTC'";
  if (typeof timezone !== 'string') {
    throw new InvalidArgumentError(argument, rule, timezone);
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch (error) {
    throw new InvalidArgumentError(argument, rule, timezone, { cause: error });
  }
}
