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
  readonly repeatInterval?: string;
  readonly timezone?: string;
}

/** An `_id` as the driver adds it, to size a document before it is inserted. */
const SIZING_ID = new ObjectId();

/**
 * A complete pending job document without `_id`. Every field is present (`null` when empty)
 * except `uniqueKey`, which is left out when there is none so the partial unique index ignores
 * the job.
 *
 * @throws PayloadTooLargeError when the whole document (data plus the job's own fields) would be
 * larger than MongoDB stores, even though the data alone is within `maxPayloadSize`.
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
    createdAt: now,
    updatedAt: now,
  };
  if (job.uniqueKey !== undefined) {
    document.uniqueKey = job.uniqueKey;
  }
  const size = BSON.calculateObjectSize({ _id: SIZING_ID, ...document });
  if (size > MAX_BSON_DOCUMENT_SIZE) {
    throw new PayloadTooLargeError(size, MAX_BSON_DOCUMENT_SIZE);
  }
  return document;
}
