import { InvalidArgumentError } from '../errors.js';
import { type JobProgress, MAX_PROGRESS_SIZE } from '../jobs/job-progress.js';
import { assertStorableValue, isPlainObject } from './payload.js';

/**
 * Asserts a value `context.progress()` accepts (see {@link JobProgress}): a number from 0 to 100,
 * or a plain object that BSON stores as it is (the rules of job data) of at most
 * {@link MAX_PROGRESS_SIZE} bytes once encoded.
 *
 * @param value - The value the handler passed.
 * @throws InvalidArgumentError (argument `'progress'`) naming the rule and the value.
 *
 * @example
 * ```ts
 * assertProgress(42); // passes
 * assertProgress({ done: 3, total: 9 }); // passes
 * assertProgress(120); // throws: must be a number from 0 to 100 …
 * ```
 */
export function assertProgress(value: unknown): asserts value is JobProgress {
  if (typeof value === 'number') {
    if (!(value >= 0 && value <= 100)) {
      throw new InvalidArgumentError('progress', 'must be a number from 0 to 100', value);
    }
    return;
  }
  if (
    typeof value !== 'object' ||
    value === null ||
    Array.isArray(value) ||
    !isPlainObject(value)
  ) {
    throw new InvalidArgumentError(
      'progress',
      'must be a number from 0 to 100 or a plain object (such as { done: 3, total: 9 })',
      value,
    );
  }
  const size = assertStorableValue(value, 'progress');
  if (size > MAX_PROGRESS_SIZE) {
    throw new InvalidArgumentError(
      'progress',
      `must be at most ${MAX_PROGRESS_SIZE} bytes once BSON-encoded (it is ${size})`,
      value,
    );
  }
}
