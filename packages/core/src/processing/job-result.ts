import { type InvalidArgumentError, JobResultError } from '../errors.js';
import type { Job } from '../jobs/job.js';
import { assertStorableValue } from '../validation/payload.js';

/**
 * A handler's return value as its job's `result`: `undefined` (a handler that returns nothing) is
 * stored as `null`; anything else must be plain BSON data (the rules of job data) of at most
 * `maxResultSize` bytes once encoded.
 *
 * @returns The value to store, wrapped (so that `null` and "no result" stay apart for callers).
 * @throws JobResultError naming the problem: a value BSON cannot store as it is, or its size.
 */
export function checkResult(
  value: unknown,
  maxResultSize: number,
  job: Pick<Job, '_id'>,
): { readonly value: unknown } {
  const stored = value === undefined ? null : value;
  let size: number;
  try {
    size = assertStorableValue(stored, 'result');
  } catch (error) {
    // An InvalidArgumentError, whose message is "Invalid result: <problem>; got <value>."
    const problem = (error as InvalidArgumentError).message
      .replace(/^Invalid result: /, '')
      .replace(/\.$/, '');
    throw new JobResultError(job._id, problem, maxResultSize, undefined, { cause: error });
  }
  if (size > maxResultSize) {
    throw new JobResultError(
      job._id,
      `it is ${size} bytes once BSON-encoded, more than ${maxResultSize}`,
      maxResultSize,
      size,
    );
  }
  return { value: stored };
}
