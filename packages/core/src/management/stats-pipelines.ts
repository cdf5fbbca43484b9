import type { Document } from 'mongodb';
import { JobStatus } from '../jobs/job-status.js';

/** One group of the counts pipeline: a name and status, how many jobs, the oldest due time. */
export interface CountRow {
  readonly _id: { readonly name: unknown; readonly status: unknown };
  readonly count: number;
  /** The earliest `nextRunAt` ≤ `at` among the group's pending jobs; `null` when none. */
  readonly oldestDue: unknown;
}

/**
 * One group of the activity pipeline: processing jobs of one instance (`key` is `claimedBy`), or
 * jobs of one name (`key`) completed in the hour before `at`.
 */
export interface ActivityRow {
  readonly _id: { readonly status: unknown; readonly key: unknown };
  readonly count: number;
  /** Of the completed ones, how many in the minute before `at`. */
  readonly lastMinute: number;
  /** Of the processing ones, the latest heartbeat. */
  readonly lastHeartbeat: unknown;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * Counts per name × status, and the oldest due pending job per name, in one pass over the claim
 * index (`name`, `status`, `nextRunAt`, `_id`): the group reads only fields of that index, so
 * MongoDB answers it from the index keys without fetching a document. Without a name, the
 * `$match` is a range over every string name, which bounds the scan by the index's first field.
 */
export function countsPipeline(name: string | undefined, at: Date): Document[] {
  return [
    { $match: name === undefined ? { name: { $gte: '' } } : { name } },
    {
      $group: {
        _id: { name: '$name', status: '$status' },
        count: { $sum: 1 },
        oldestDue: {
          $min: {
            $cond: [
              {
                $and: [{ $eq: ['$status', JobStatus.Pending] }, { $lte: ['$nextRunAt', at] }],
              },
              '$nextRunAt',
              null,
            ],
          },
        },
      },
    },
  ];
}

/**
 * The processing jobs grouped by the instance holding them, and the jobs completed in the hour
 * before `at` grouped by name, in one pass: an `$or` of a `status` equality (any index starting
 * with `status`) and a `status` equality with an `updatedAt` range (`monque_status_updated`),
 * each branch served by its own index scan.
 */
export function activityPipeline(name: string | undefined, at: Date): Document[] {
  const hourAgo = new Date(at.getTime() - HOUR);
  const minuteAgo = new Date(at.getTime() - MINUTE);
  return [
    {
      $match: {
        ...(name === undefined ? {} : { name }),
        $or: [
          { status: JobStatus.Processing },
          { status: JobStatus.Completed, updatedAt: { $gte: hourAgo, $lte: at } },
        ],
      },
    },
    {
      $group: {
        _id: {
          status: '$status',
          key: { $cond: [{ $eq: ['$status', JobStatus.Processing] }, '$claimedBy', '$name'] },
        },
        count: { $sum: 1 },
        lastMinute: { $sum: { $cond: [{ $gte: ['$updatedAt', minuteAgo] }, 1, 0] } },
        lastHeartbeat: { $max: '$lastHeartbeat' },
      },
    },
  ];
}
