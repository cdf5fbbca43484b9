import { BSON, type Collection, type Filter, MongoServerError } from 'mongodb';
import { MonqueError } from '../errors.js';
import type { JobDocument } from '../jobs/job.js';
import { JobStatus } from '../jobs/job-status.js';
import type { WriteOperationOptions } from '../management/write-options.js';
import type { CronSchedule } from './cron.js';
import {
  activeKeyFilter,
  DUPLICATE_KEY,
  MAX_UPSERT_ATTEMPTS,
  upsertUniqueJob,
} from './insert-job.js';
import { newJobDocument } from './new-job.js';

/** A recurring job as `schedule()` describes it. */
export interface RecurringJob {
  readonly name: string;
  readonly data: unknown;
  /** The job's identity within its name (`scheduleKey`): the `key` if given, otherwise the name. */
  readonly key: string;
  readonly schedule: CronSchedule;
  /** The time zone as given, or `undefined` (stored as `null`, read as UTC). */
  readonly timezone: string | undefined;
  /** The time limit of each run in ms, or `undefined` for none (its worker's then applies). */
  readonly timeout?: number;
  /** The priority of every run (default 0). */
  readonly priority?: number;
}

function sameData(a: unknown, b: unknown): boolean {
  return Buffer.from(BSON.serialize({ v: a })).equals(Buffer.from(BSON.serialize({ v: b })));
}

/**
 * Moves the key of a recurring job stored before schedules had a key space of their own — in
 * `uniqueKey`, where it answered `enqueue` calls with an equal `uniqueKey` — to `scheduleKey`, in
 * place: the same job, `_id` and next run. One update on the `monque_unique` index, which matches
 * nothing once every such job was moved.
 *
 * When the job also exists under `scheduleKey` (an instance of an older version added it again
 * under its old key, such as during a rolling upgrade), the old copy is deleted instead, unless it
 * is running (then the next call does it). Outside a transaction that case is told by the unique
 * index's duplicate-key error; inside one, where any failed statement aborts the transaction, it
 * is read first (the transaction's snapshot makes the read and the write agree; a concurrent
 * change answers `WriteConflict`, for `withTransaction` to retry).
 *
 * @param options - Passed on to every command (such as a `session`).
 */
export async function adoptLegacySchedule(
  collection: Collection<JobDocument>,
  name: string,
  key: string,
  options: WriteOperationOptions = {},
): Promise<void> {
  // A recurring job holds its cron expression in repeatInterval; a one-off job holds null.
  const legacy: Filter<JobDocument> = {
    ...activeKeyFilter(name, { uniqueKey: key }),
    repeatInterval: { $type: 'string' },
  };
  const adopt = { $set: { scheduleKey: key }, $unset: { uniqueKey: '' } } as const;
  const dropOldCopy = () => collection.deleteOne({ ...legacy, status: JobStatus.Pending }, options);
  if (options.session?.inTransaction() === true) {
    if ((await collection.findOne(legacy, { ...options, projection: { _id: 1 } })) === null) return;
    const current = activeKeyFilter(name, { scheduleKey: key });
    if ((await collection.findOne(current, { ...options, projection: { _id: 1 } })) === null) {
      await collection.updateOne(legacy, adopt, options);
    } else {
      await dropOldCopy();
    }
    return;
  }
  try {
    await collection.updateOne(legacy, adopt, options);
  } catch (error) {
    if (!(error instanceof MongoServerError && error.code === DUPLICATE_KEY)) throw error;
    await dropOldCopy();
  }
}

/**
 * Creates the recurring job, or brings the existing active one (same name and key) up to date:
 * a changed cron expression or time zone also moves a pending job's `nextRunAt`; changed data,
 * time limit or priority is stored. Calling it again with the same arguments writes nothing, so restarts are
 * idempotent. A job stored under the old key space is adopted first ({@link adoptLegacySchedule}).
 *
 * @param options - Passed on to every command (such as a `session`).
 */
export async function scheduleRecurringJob(
  collection: Collection<JobDocument>,
  recurring: RecurringJob,
  now: Date = new Date(),
  options: WriteOperationOptions = {},
): Promise<JobDocument> {
  const { name, data, key, schedule, timezone, timeout, priority = 0 } = recurring;
  const storedZone = timezone ?? null;
  const fresh = newJobDocument(
    {
      name,
      data,
      scheduleKey: key,
      nextRunAt: schedule.next(now),
      repeatInterval: schedule.expression,
      timezone,
      timeout,
      priority,
    },
    now,
  );
  await adoptLegacySchedule(collection, name, key, options);
  for (let attempt = 1; attempt <= MAX_UPSERT_ATTEMPTS; attempt += 1) {
    const { job, created } = await upsertUniqueJob(
      collection,
      name,
      { scheduleKey: key },
      { $setOnInsert: fresh },
      options,
    );
    const cronChanged = job.repeatInterval !== schedule.expression || job.timezone !== storedZone;
    const unchanged =
      !cronChanged &&
      sameData(job.data, data) &&
      job.timeout === timeout &&
      (job.priority ?? 0) === priority;
    if (created || unchanged) {
      return job;
    }
    const set: Partial<JobDocument> = {
      data,
      repeatInterval: schedule.expression,
      timezone: storedZone,
      priority,
      updatedAt: now,
    };
    if (cronChanged && job.status === JobStatus.Pending) {
      set.nextRunAt = fresh.nextRunAt;
    }
    // Matched on the status read, so a claim in between is not overwritten: then read again.
    const updated = await collection.findOneAndUpdate(
      { _id: job._id, status: job.status },
      timeout !== undefined
        ? { $set: { ...set, timeout } }
        : job.timeout !== undefined
          ? { $set: set, $unset: { timeout: '' } }
          : { $set: set },
      { ...options, returnDocument: 'after' },
    );
    if (updated !== null) {
      return updated;
    }
  }
  throw new MonqueError(
    `could not update recurring job ${JSON.stringify(name)} (key ` +
      `${JSON.stringify(key)}): it changed state ${MAX_UPSERT_ATTEMPTS} times while being updated`,
  );
}
