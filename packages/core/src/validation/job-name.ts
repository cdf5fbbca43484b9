import { InvalidArgumentError } from '../errors.js';

/**
 * The longest job name accepted, in characters (UTF-16 code units).
 *
 * @example
 * ```ts
 * 'send-email'.length <= MAX_JOB_NAME_LENGTH; // true
 * ```
 */
export const MAX_JOB_NAME_LENGTH = 255;

const CONTROL_CHARACTER = /\p{Cc}/u;

/**
 * Asserts a valid job name: a string of 1 to 255 characters without control characters. Anything
 * else — notably an object such as `{ $ne: null }`, which would act as a query operator — is
 * rejected before it can reach a query.
 *
 * @param name - The job name as given by the caller.
 * @param argument - The argument name for the error; defaults to `'name'`.
 * @throws InvalidArgumentError naming the argument, the rule and the value.
 *
 * @example
 * ```ts
 * assertJobName('send-email'); // passes
 * assertJobName({ $ne: null }); // throws InvalidArgumentError: Invalid name: must be a string …
 * ```
 */
export function assertJobName(name: unknown, argument = 'name'): asserts name is string {
  if (typeof name !== 'string') {
    throw new InvalidArgumentError(argument, 'must be a string', name);
  }
  if (name.length === 0 || name.length > MAX_JOB_NAME_LENGTH) {
    throw new InvalidArgumentError(
      argument,
      `must be 1 to ${MAX_JOB_NAME_LENGTH} characters long (it has ${name.length})`,
      name,
    );
  }
  if (CONTROL_CHARACTER.test(name)) {
    throw new InvalidArgumentError(
      argument,
      'must not contain control characters (such as newlines, tabs or NUL)',
      name,
    );
  }
}
