import { ObjectId } from 'mongodb';
import { InvalidArgumentError } from '../errors.js';

/**
 * A value a `data` path of a {@link JobFilter} can be compared with: a plain scalar, a `Date` or
 * an `ObjectId`. Objects and arrays are refused, so no value can act as a query operator.
 *
 * @example
 * ```ts
 * const value: JobDataValue = new ObjectId('65a1f0c2e4b0a1b2c3d4e5f6');
 * await monque.findJobs({ data: { 'order.id': value } });
 * ```
 */
export type JobDataValue = string | number | boolean | null | Date | ObjectId;

/** The longest `data` path accepted, in characters. */
export const MAX_DATA_PATH_LENGTH = 255;

/** Segments that would reach an object's prototype in JavaScript code reading the path. */
const PROTOTYPE_SEGMENTS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

const CONTROL_CHARACTER = /\p{Cc}/u;

/**
 * Asserts a path inside a job's `data`, such as `'customer.id'`: 1 to 255 characters, segments
 * separated by dots, none empty, none containing `$` (an operator) or a control character, and
 * none named `__proto__`, `constructor` or `prototype`.
 *
 * @param path - The path as given (a key of `filter.data`).
 * @param argument - The argument name for the error, such as `'filter.data'`.
 * @throws InvalidArgumentError naming the argument, the rule and the path.
 */
export function assertDataPath(path: string, argument: string): void {
  const refuse = (rule: string): never => {
    throw new InvalidArgumentError(argument, `each key must be a path inside data: ${rule}`, path);
  };
  if (path.length === 0 || path.length > MAX_DATA_PATH_LENGTH) {
    refuse(`1 to ${MAX_DATA_PATH_LENGTH} characters long`);
  }
  if (path.includes('$')) {
    refuse('without $ (operators are not accepted)');
  }
  if (CONTROL_CHARACTER.test(path)) {
    refuse('without control characters');
  }
  for (const segment of path.split('.')) {
    if (segment === '') {
      refuse('dot-separated segments, none empty');
    }
    if (PROTOTYPE_SEGMENTS.has(segment)) {
      refuse('no segment named __proto__, constructor or prototype');
    }
  }
}

/**
 * Asserts a value a `data` path can be compared with (see {@link JobDataValue}): a string, a
 * number other than NaN, a boolean, `null`, a valid `Date` or an `ObjectId`.
 *
 * @param value - The value as given.
 * @param argument - The argument name for the error, such as `'filter.data["customer.id"]'`.
 * @throws InvalidArgumentError naming the argument, the rule and the value.
 */
export function assertDataValue(value: unknown, argument: string): asserts value is JobDataValue {
  const valid =
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && !Number.isNaN(value)) ||
    (value instanceof Date && !Number.isNaN(value.getTime())) ||
    value instanceof ObjectId;
  if (!valid) {
    throw new InvalidArgumentError(
      argument,
      'must be a string, a number (not NaN), a boolean, null, a valid Date or an ObjectId ' +
        '(objects, arrays and operators are not accepted)',
      value,
    );
  }
}
