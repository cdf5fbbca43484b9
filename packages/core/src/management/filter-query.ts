import type { Document } from 'mongodb';
import { JobStatus } from '../jobs/job-status.js';
import type { CheckedJobFilter, JobDateField } from './job-filter.js';

const ALL_STATUSES: readonly JobStatus[] = Object.values(JobStatus);

const DATE_FIELDS: readonly JobDateField[] = ['nextRunAt', 'createdAt', 'updatedAt'];

function oneOrAny<T>(values: readonly T[]): T | { $in: T[] } {
  return values.length === 1 ? (values[0] as T) : { $in: [...values] };
}

/**
 * The MongoDB filter of a checked {@link JobFilter}, built by Monque from validated plain values:
 * equality, `$in` of values, and ranges (`$gte`/`$lt`) on the date fields. `status` is always
 * present (every status when the filter names none), as the indexes that serve filters start
 * with it.
 */
export function jobFilterQuery(filter: CheckedJobFilter): Document {
  const query: Document = {};
  if (filter.names !== undefined) query.name = oneOrAny(filter.names);
  query.status = oneOrAny(filter.statuses ?? ALL_STATUSES);
  for (const field of DATE_FIELDS) {
    const range = filter.ranges[field];
    if (range === undefined || (range.from === undefined && range.to === undefined)) continue;
    query[field] = {
      ...(range.from === undefined ? {} : { $gte: range.from }),
      ...(range.to === undefined ? {} : { $lt: range.to }),
    };
  }
  if (filter.uniqueKey !== undefined) query.uniqueKey = filter.uniqueKey;
  if (filter.recurring !== undefined) {
    // A recurring job holds its cron expression; a one-off job holds null.
    query.repeatInterval = filter.recurring ? { $type: 'string' } : null;
  }
  for (const [path, value] of filter.data) query[`data.${path}`] = value;
  return query;
}
