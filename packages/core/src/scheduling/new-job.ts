import { BSON, ObjectId } from 'mongodb';
import { PayloadTooLargeError } from '../errors.js';
import type { JobDocument } from '../jobs/job.js';
import { JobStatus } from '../jobs/job-status.js';
import { MAX_BSON_DOCUMENT_SIZE } from '../options.js';

/** What a new job is made of. */
export interface NewJob<T> {
  readonly name: string;
  readonly data: T;
  readonly nextRunAt: Date;
  readonly uniqueKey?: string;
  readonly scheduleKey?: string;
  readonly repeatInterval?: string;
  readonly timezone?: string;
  /** The job's own time limit in ms; left out when there is none. */
  readonly timeout?: number;
  /** The job's priority; default 0. */
  readonly priority?: number;
  /** The job's group, if any; left out when there is none. */
  readonly groupKey?: string;
}

/**
 * Room kept free in every new job document for what running it adds, in bytes: the claim's fields
 * (an instance id of up to 255 characters, two dates and a number), a failure reason of up to
 * 4096 characters (at most 12 KiB once UTF-8 encoded) and the takeover count (16 KiB); the last
 * failure with its own copy of that reason (12 KiB), the history of the last runs (under 8 KiB),
 * the last progress (at most 1 KiB) and `expireAt` — 40 KiB in all. A job stored without it could
 * not be claimed, or its failure not be recorded. (A handler's result is bounded by
 * `maxResultSize` instead; a result that does not fit in the document fails the run, whose
 * failure is then recorded without it.)
 */
export const RUN_HEADROOM = 40 * 1024;

/** An `_id` as the driver adds it, to size a document before it is inserted. */
const SIZING_ID = new ObjectId();

/**
 * A complete pending job document without `_id`. Every field is present (`null` when empty)
 * except `uniqueKey` and `scheduleKey`, which are left out when there is none so that the partial
 * unique indexes ignore the job, `timeout`, left out when the job has no time limit of its own,
 * and `groupKey`, left out when the job has no group.
 *
 * @throws PayloadTooLargeError when the whole document (data plus the job's own fields) would
 * leave less than {@link RUN_HEADROOM} of what MongoDB stores, even though the data alone is
 * within `maxPayloadSize`.
 */
export function newJobDocument<T>(job: NewJob<T>, now: Date): Omit<JobDocument<T>, '_id'> {
  const document: Omit<JobDocument<T>, '_id'> = {
    name: job.name,
    data: job.data,
    status: JobStatus.Pending,
    nextRunAt: job.nextRunAt,
    lockedAt: null,
    claimedBy: null,
    lastHeartbeat: null,
    heartbeatInterval: null,
    failCount: 0,
    failReason: null,
    repeatInterval: job.repeatInterval ?? null,
    timezone: job.timezone ?? null,
    priority: job.priority ?? 0,
    createdAt: now,
    updatedAt: now,
  };
  if (job.uniqueKey !== undefined) {
    document.uniqueKey = job.uniqueKey;
  }
  if (job.scheduleKey !== undefined) {
    document.scheduleKey = job.scheduleKey;
  }
  if (job.timeout !== undefined) {
    document.timeout = job.timeout;
  }
  if (job.groupKey !== undefined) {
    document.groupKey = job.groupKey;
  }
  const size = BSON.calculateObjectSize({ _id: SIZING_ID, ...document });
  if (size > MAX_BSON_DOCUMENT_SIZE - RUN_HEADROOM) {
    throw new PayloadTooLargeError(size, MAX_BSON_DOCUMENT_SIZE - RUN_HEADROOM, 'document');
  }
  return document;
}
