import type { Collection } from 'mongodb';
import type { Job, JobDocument } from '../jobs/job.js';
import { readCallOptions } from '../runtime/call-options.js';
import { assertIntegerInRange } from '../validation/numbers.js';
import { waitForClockToPass } from './clock.js';
import { type CheckedJobFilter, canonicalFilter, checkJobFilter } from './job-filter.js';
import { type JobOrder, readJobOrder, type SortOrder } from './job-order.js';
import {
  type CursorScope,
  decodePageCursor,
  encodePageCursor,
  filterFingerprint,
  type PagePosition,
} from './page-cursor.js';
import { needsSnapshot, pageQueries } from './page-query.js';

/**
 * Options of {@link Monque.findJobs}.
 *
 * @example
 * ```ts
 * const options: FindJobsOptions = { limit: 100, order: 'nextRunAt' };
 * const page = await monque.findJobs({ status: 'pending' }, options);
 * ```
 */
export interface FindJobsOptions {
  /** How many jobs a page holds: 1–1000, default 50. */
  readonly limit?: number;
  /**
   * The `nextCursor` of the previous page (an opaque string). It is checked, and refused with
   * `InvalidArgumentError` when it was made for another filter or order.
   */
  readonly cursor?: string;
  /** Default `'-createdAt'` (newest first). */
  readonly order?: JobOrder;
}

/**
 * One page of {@link Monque.findJobs}.
 *
 * @example
 * ```ts
 * let page: JobPage = await monque.findJobs({ status: 'failed' });
 * while (page.nextCursor !== null) {
 *   page = await monque.findJobs({ status: 'failed' }, { cursor: page.nextCursor });
 * }
 * ```
 */
export interface JobPage {
  /** The jobs of this page, in the requested order. */
  readonly jobs: readonly Job[];
  /** The cursor of the next page; `null` when this was the last page. */
  readonly nextCursor: string | null;
}

/** The page size of `findJobs` when none is given. */
export const DEFAULT_PAGE_LIMIT = 50;

/** The largest page `findJobs` reads. */
export const MAX_PAGE_LIMIT = 1000;

/** A `findJobs` call, checked: everything the query needs, nothing the caller can still change. */
export interface FindJobsRequest {
  readonly filter: CheckedJobFilter;
  readonly order: SortOrder;
  readonly limit: number;
  readonly scope: CursorScope;
  /** Where the previous page ended; `undefined` for the first page. */
  readonly position: PagePosition | undefined;
}

/**
 * Checks the arguments of `findJobs`: the filter, then `limit`, `order` and `cursor` (which must
 * have been made for this filter and order).
 *
 * @throws InvalidArgumentError naming the offending argument.
 */
export function checkFindJobs(filter: unknown, options: unknown): FindJobsRequest {
  const checkedFilter = checkJobFilter(filter);
  const { limit, cursor, order } = readCallOptions(options, ['limit', 'cursor', 'order']);
  const pageLimit = limit ?? DEFAULT_PAGE_LIMIT;
  assertIntegerInRange('options.limit', pageLimit, 1, MAX_PAGE_LIMIT);
  const sortOrder = readJobOrder(order);
  const scope: CursorScope = {
    order: sortOrder.order,
    filterFingerprint: filterFingerprint(canonicalFilter(checkedFilter)),
  };
  return {
    filter: checkedFilter,
    order: sortOrder,
    limit: pageLimit,
    scope,
    position:
      cursor === undefined
        ? undefined
        : decodePageCursor(cursor, scope, needsSnapshot(sortOrder), 'options.cursor'),
  };
}

/** Orders documents by the order's field, then `_id` (ObjectIds: hex order is byte order). */
function compareIn(order: SortOrder): (a: JobDocument, b: JobDocument) => number {
  return (a, b) => {
    const byField = a[order.field].getTime() - b[order.field].getTime();
    const byId = a._id.toHexString() < b._id.toHexString() ? -1 : 1;
    return order.direction * (byField === 0 ? byId : byField);
  };
}

/**
 * The documents without a second copy of any: the finds of one page are separate reads, so a job
 * whose status changes between two of them can come from both. (Each status's list holds at most
 * `limit + 1` documents of its own, so dropping a copy never makes a full page look like the last.)
 */
function withoutRepeats(documents: readonly JobDocument[]): JobDocument[] {
  const seen = new Set<string>();
  return documents.filter((document) => {
    const id = document._id.toHexString();
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/**
 * Reads one page of jobs: one `find` per status the filter names (every status when it names
 * none), sent at once, each one ordered range of the index it names as `hint`, sorted by the
 * order's field then `_id`, at most `limit + 1` documents in one batch; the results are merged.
 *
 * The walk is stable: the order is total and each page starts strictly after the last job of the
 * previous one, so a job is never returned twice and a job that exists unchanged for the whole
 * walk is never skipped, however the collection changes meanwhile. For orders on a field that
 * changes (`updatedAt`, `nextRunAt`) the first page notes the time and the walk leaves out jobs
 * changed after it (they could otherwise move ahead of the position and come again); the first
 * page waits for the clock to pass that millisecond, so a change made after it cannot carry the
 * same time. A job that changes status while a page is read comes once.
 */
export async function findJobs(
  collection: Collection<JobDocument>,
  request: FindJobsRequest,
): Promise<JobPage> {
  const { filter, order, limit, scope, position } = request;
  let snapshot = position?.snapshot;
  if (position === undefined && needsSnapshot(order)) {
    snapshot = new Date();
    await waitForClockToPass(snapshot);
  }
  const results = await Promise.all(
    pageQueries(filter, order, limit, position, snapshot).map((query) =>
      collection
        .find(query.filter, {
          sort: query.sort,
          hint: query.hint,
          limit: query.limit,
          batchSize: query.limit,
        })
        .toArray(),
    ),
  );
  const documents = withoutRepeats(results.flat()).sort(compareIn(order));
  const jobs = documents.slice(0, limit);
  const last = jobs.at(-1);
  if (documents.length <= limit || last === undefined) {
    return { jobs, nextCursor: null };
  }
  const cursor = encodePageCursor({ key: last[order.field], id: last._id, snapshot }, scope);
  return { jobs, nextCursor: cursor };
}
