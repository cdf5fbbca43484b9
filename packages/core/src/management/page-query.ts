import type { Document } from 'mongodb';
import { HINTED_INDEX } from '../indexes.js';
import { JobStatus } from '../jobs/job-status.js';
import { jobFilterQuery } from './filter-query.js';
import type { CheckedJobFilter } from './job-filter.js';
import type { SortOrder } from './job-order.js';
import type { PagePosition } from './page-cursor.js';

/** One page's `find`: filter, sort, the index it is written for, and how many jobs to read. */
export interface PageQuery {
  readonly filter: Document;
  readonly sort: Document;
  readonly hint: string;
  readonly limit: number;
}

const ALL_STATUSES: readonly JobStatus[] = Object.values(JobStatus);

/** The earliest and latest JavaScript Dates: a range between them holds every Date, nothing else. */
const EARLIEST = new Date(-8.64e15);
const LATEST = new Date(8.64e15);

/**
 * The index that serves a page: the order's field follows `status` in it, so the part of one
 * status is one range of the index, already in order — no sort stage, whatever else the filter
 * says. With exactly one name and the `nextRunAt` order, the claim index (`name`, `status`,
 * `nextRunAt`, `_id`) narrows to that name as well.
 */
export function pageIndex(filter: CheckedJobFilter, order: SortOrder): string {
  switch (order.field) {
    case 'createdAt':
      return HINTED_INDEX.statusCreated;
    case 'updatedAt':
      return HINTED_INDEX.statusUpdated;
    case 'nextRunAt':
      return filter.names?.length === 1 ? HINTED_INDEX.claim : HINTED_INDEX.statusNextRun;
  }
}

/**
 * Whether a walk in this order needs a snapshot: `createdAt` never changes, but a job whose
 * `updatedAt` or `nextRunAt` changes moves, possibly ahead of the walk's position.
 */
export function needsSnapshot(order: SortOrder): boolean {
  return order.field !== 'createdAt';
}

/**
 * The `find`s of one page, one per status the filter names (every status when it names none), in
 * the total order (field, `_id`); each is one ordered range of its index, and the caller merges
 * their results. Each selects:
 * - after a position, the jobs strictly after it: `field` beyond the position's key, or equal
 *   with `_id` beyond its id (the range on `field` bounds the index scan; the `$or` splits ties);
 * - on the first page, `field` between the earliest and latest Date, so that every job listed
 *   has a Date there to page past;
 * - only ObjectId `_id`s, which order the same way in MongoDB and in the merge;
 * - with a snapshot, only jobs last changed at or before it.
 * One job more than the page holds is read, to tell whether another page follows.
 */
export function pageQueries(
  filter: CheckedJobFilter,
  order: SortOrder,
  limit: number,
  position: PagePosition | undefined,
  snapshot: Date | undefined,
): PageQuery[] {
  const { field, direction } = order;
  const conditions: Document[] = [];
  if (position === undefined) {
    conditions.push({ [field]: { $gte: EARLIEST, $lte: LATEST }, _id: { $type: 'objectId' } });
  } else {
    const beyond = direction === 1 ? '$gt' : '$lt';
    const through = direction === 1 ? '$gte' : '$lte';
    conditions.push({
      [field]: { [through]: position.key },
      _id: { $type: 'objectId' },
      $or: [
        { [field]: { [beyond]: position.key } },
        { [field]: position.key, _id: { [beyond]: position.id } },
      ],
    });
  }
  if (snapshot !== undefined) conditions.push({ updatedAt: { $lte: snapshot } });
  const query = jobFilterQuery(filter);
  const hint = pageIndex(filter, order);
  return (filter.statuses ?? ALL_STATUSES).map((status) => ({
    filter: { $and: [...conditions, { ...query, status }] },
    sort: { [field]: direction, _id: direction },
    hint,
    limit: limit + 1,
  }));
}
