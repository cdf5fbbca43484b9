import { ObjectId } from 'mongodb';
import type { JobDocument } from '../jobs/job.js';
import { JobStatus } from '../jobs/job-status.js';

/**
 * Builds a valid {@link JobDocument} for tests: a pending one-off job named `'test-job'` with
 * `null` data, due now, never claimed or failed, with a fresh `_id`. Any field can be overridden;
 * `uniqueKey` and `scheduleKey` are only present when given a string.
 *
 * @param overrides - Fields to set instead of the defaults.
 * @returns A new document, ready to insert into the jobs collection.
 *
 * @example
 * ```ts
 * await monque.collection.insertOne(
 *   createJobDocument({ name: 'send-email', data: { to: 'ada@example.com' }, failCount: 2 }),
 * );
 * ```
 */
export function createJobDocument<T = null>(
  overrides: Partial<JobDocument<T>> = {},
): JobDocument<T> {
  const now = new Date();
  const { uniqueKey, scheduleKey, ...rest } = overrides;
  return {
    _id: new ObjectId(),
    name: 'test-job',
    data: null as T,
    status: JobStatus.Pending,
    nextRunAt: now,
    lockedAt: null,
    claimedBy: null,
    lastHeartbeat: null,
    heartbeatInterval: null,
    failCount: 0,
    failReason: null,
    repeatInterval: null,
    timezone: null,
    priority: 0,
    createdAt: now,
    updatedAt: now,
    ...rest,
    ...(uniqueKey === undefined ? {} : { uniqueKey }),
    ...(scheduleKey === undefined ? {} : { scheduleKey }),
  };
}
