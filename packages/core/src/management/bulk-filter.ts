import type { Document } from 'mongodb';
import { InvalidArgumentError } from '../errors.js';
import type { JobStatus } from '../jobs/job-status.js';
import { readCallOptions } from '../runtime/call-options.js';
import { jobFilterQuery } from './filter-query.js';
import { type CheckedJobFilter, checkJobFilter, type JobFilter } from './job-filter.js';

/** Whether a checked filter selects nothing in particular (every job). */
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
 * Checks the arguments of a bulk action: the filter (as `findJobs` does), then its options. An
 * empty filter (`{}` or `undefined`) is refused unless the options say `{ all: true }`.
 *
 * @throws InvalidArgumentError naming the offending argument.
 */
export function checkBulkFilter(filter: unknown, options: unknown): CheckedJobFilter {
  const checked = checkJobFilter(filter);
  const { all } = readCallOptions(options, ['all']);
  if (all !== undefined && typeof all !== 'boolean') {
    throw new InvalidArgumentError('options.all', 'must be true, false or undefined', all);
  }
  if (all !== true && isEmpty(checked)) {
    throw new InvalidArgumentError(
      'filter',
      'must select jobs (name it at least one field); to act on every job, pass { all: true } ' +
        'as the second argument',
      filter,
    );
  }
  return checked;
}

/** A checked filter as a {@link JobFilter} again (a new object, for events). */
export function jobFilterOf(filter: CheckedJobFilter): JobFilter {
  const result: {
    -readonly [K in keyof JobFilter]: JobFilter[K];
  } = {};
  if (filter.names !== undefined) result.name = [...filter.names];
  if (filter.statuses !== undefined) result.status = [...filter.statuses];
  for (const [field, range] of Object.entries(filter.ranges)) {
    result[field as 'createdAt'] = {
      ...(range.from === undefined ? {} : { from: range.from }),
      ...(range.to === undefined ? {} : { to: range.to }),
    };
  }
  if (filter.uniqueKey !== undefined) result.uniqueKey = filter.uniqueKey;
  if (filter.recurring !== undefined) result.recurring = filter.recurring;
  if (filter.data.length > 0) result.data = Object.fromEntries(filter.data);
  return result;
}

/**
 * The MongoDB filter of an action that applies only to jobs in `accepted` statuses: the filter's
 * query with its statuses narrowed to those (every accepted status when it names none);
 * `undefined` when none is left, so that nothing needs to be sent.
 */
export function actionQuery(
  filter: CheckedJobFilter,
  accepted: readonly JobStatus[],
): Document | undefined {
  const statuses = (filter.statuses ?? accepted).filter((status) => accepted.includes(status));
  if (statuses.length === 0) return undefined;
  return jobFilterQuery({ ...filter, statuses });
}
