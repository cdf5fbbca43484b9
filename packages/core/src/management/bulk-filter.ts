import { InvalidArgumentError } from '../errors.js';
import { readCallOptions } from '../runtime/call-options.js';
import { type CheckedJobFilter, checkJobFilter } from './job-filter.js';

/**
 * Options of a bulk action (such as {@link Monque.cancelJobs}).
 *
 * @example
 * ```ts
 * await monque.cancelJobs({}, { all: true } satisfies BulkActionOptions);
 * ```
 */
export interface BulkActionOptions {
  /** `true` to act on every job when the filter is empty (`{}`); refused otherwise. */
  readonly all?: boolean;
}

function isEmpty(filter: CheckedJobFilter): boolean {
  return (
    filter.names === undefined &&
    filter.statuses === undefined &&
    Object.keys(filter.ranges).length === 0 &&
    filter.uniqueKey === undefined &&
    filter.recurring === undefined &&
    filter.data.length === 0
  );
}

/**
 * Checks the filter and options of a bulk action: the filter as {@link checkJobFilter} does, and
 * an empty filter only with `{ all: true }` — acting on a whole queue must not be one call away.
 *
 * @throws InvalidArgumentError naming `filter` or `options.all`.
 */
export function checkBulkFilter(filter: unknown, options: unknown): CheckedJobFilter {
  const { all } = readCallOptions(options, ['all']);
  if (all !== undefined && typeof all !== 'boolean') {
    throw new InvalidArgumentError('options.all', 'must be true, false or undefined', all);
  }
  const checked = checkJobFilter(filter);
  if (isEmpty(checked) && all !== true) {
    throw new InvalidArgumentError(
      'filter',
      'must name at least one field; to act on every job, pass { all: true } as the second ' +
        'argument',
      filter,
    );
  }
  return checked;
}
