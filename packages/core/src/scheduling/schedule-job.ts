import { BSON, type Collection } from 'mongodb';
import { MonqueError } from '../errors.js';
import type { JobDocument } from '../jobs/job.js';
import { JobStatus } from '../jobs/job-status.js';
import type { CronSchedule } from './cron.js';
import { MAX_UPSERT_ATTEMPTS, upsertUniqueJob } from './insert-job.js';
import { newJobDocument } from './new-job.js';

/** A recurring job as `schedule()` describes it. */
export interface RecurringJob {
  readonly name: string;
  readonly data: unknown;
  /** The job's identity: `uniqueKey` if given, otherwise the name. */
  readonly uniqueKey: string;
  readonly schedule: CronSchedule;
  /** The time zone as given, or `undefined` (stored as `null`, read as UTC). */
  readonly timezone: string | undefined;
  /** The time limit of each run in ms, or `undefined` for none (its worker's then applies). */
  readonly timeout?: number;
}

function sameData(a: unknown, b: unknown): boolean {
  return Buffer.from(BSON.serialize({ v: a })).equals(Buffer.from(BSON.serialize({ v: b })));
}

/**
 * Creates the recurring job, or brings the existing active one (same name and key) up to date:
 * a changed cron expression or time zone also moves a pending job's `nextRunAt`; changed data or
 * time limit is stored. Calling it again with the same arguments writes nothing, so restarts are
 * idempotent.
 */
export async function scheduleRecurringJob(
  collection: Collection<JobDocument>,
  recurring: RecurringJob,
  now: Date = new Date(),
): Promise<JobDocument> {
  const { name, data, uniqueKey, schedule, timezone, timeout } = recurring;
  const storedZone = timezone ?? null;
  const fresh = newJobDocument(
    {
      name,
      data,
      uniqueKey,
      nextRunAt: schedule.next(now),
      repeatInterval: schedule.expression,
      timezone,
      timeout,
    },
    now,
  );
  for (let attempt = 1; attempt <= MAX_UPSERT_ATTEMPTS; attempt += 1) {
    const { job, updatedExisting } = await upsertUniqueJob(collection, name, uniqueKey, {
      $setOnInsert: fresh,
    });
    const cronChanged = job.repeatInterval !== schedule.expression || job.timezone !== storedZone;
    const unchanged = !cronChanged && sameData(job.data, data) && job.timeout === timeout;
    if (!updatedExisting || unchanged) {
      return job;
    }
    const set: Partial<JobDocument> = {
      data,
      repeatInterval: schedule.expression,
      timezone: storedZone,
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
      { returnDocument: 'after' },
    );
    if (updated !== null) {
      return updated;
    }
  }
  throw new MonqueError(
    `could not update recurring job ${JSON.stringify(name)} (uniqueKey ` +
      `${JSON.stringify(uniqueKey)}): it changed state ${MAX_UPSERT_ATTEMPTS} times while being updated`,
  );
}
