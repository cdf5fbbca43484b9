import { InvalidArgumentError } from '../errors.js';
import type { Job } from '../jobs/job.js';
import { JobStatus } from '../jobs/job-status.js';
import { readCallOptions } from '../runtime/call-options.js';

const DAY = 24 * 60 * 60 * 1000;

/**
 * How long finished jobs are kept, per final status, in milliseconds; `false` keeps them for
 * ever. The write that finishes a one-off job sets its `expireAt` to that time after the
 * moment it finished, and MongoDB's TTL monitor deletes it after then (it runs every 60 s, so
 * a job goes up to about a minute later). A recurring job's document is never deleted.
 *
 * @example
 * ```ts
 * const retention: RetentionOptions = { completed: 60 * 60 * 1000, failed: false };
 * new Monque(db, { retention }); // completed: 1 hour; failed: for ever; cancelled: 30 days
 * ```
 */
export interface RetentionOptions {
  /** How long `completed` jobs are kept (ms, ≥ 0), or `false`. Default 7 days. */
  readonly completed?: number | false;
  /** How long `failed` jobs are kept (ms, ≥ 0), or `false`. Default 30 days. */
  readonly failed?: number | false;
  /** How long `cancelled` jobs are kept (ms, ≥ 0), or `false`. Default 30 days. */
  readonly cancelled?: number | false;
}

/** {@link RetentionOptions} with every status resolved. */
export type Retention = Readonly<Required<RetentionOptions>>;

/**
 * The retention when none is given: completed jobs 7 days, failed and cancelled jobs 30 days.
 *
 * @example
 * ```ts
 * DEFAULT_RETENTION.completed; // 604800000
 * ```
 */
export const DEFAULT_RETENTION: Readonly<Required<RetentionOptions>> = Object.freeze({
  completed: 7 * DAY,
  failed: 30 * DAY,
  cancelled: 30 * DAY,
});

/** The longest retention accepted: 100 years (a later date would be of no use, and may not exist). */
export const MAX_RETENTION = 100 * 365 * DAY;

const STATUSES = ['completed', 'failed', 'cancelled'] as const;

/**
 * Checks a retention option and returns it resolved: the statuses it names replace those of
 * `base`, the others are kept. Each value is `false` or a finite number of milliseconds from 0 to
 * {@link MAX_RETENTION}.
 *
 * @param value - The option as given (`undefined` keeps `base`).
 * @param argument - The option's name for errors, such as `'options.retention'`.
 * @param base - What the statuses it does not name keep.
 * @throws InvalidArgumentError naming the option or its field.
 */
export function resolveRetention(value: unknown, argument: string, base: Retention): Retention {
  if (value === undefined) return base;
  const given = readCallOptions(value, STATUSES, argument);
  const resolved = { ...base };
  for (const status of STATUSES) {
    const keep = given[status];
    if (keep === undefined) continue;
    if (
      keep !== false &&
      (typeof keep !== 'number' || !Number.isFinite(keep) || keep < 0 || keep > MAX_RETENTION)
    ) {
      throw new InvalidArgumentError(
        `${argument}.${status}`,
        `must be false (keep for ever) or a number of milliseconds from 0 to ${MAX_RETENTION} (100 years)`,
        keep,
      );
    }
    resolved[status] = keep;
  }
  return Object.freeze(resolved);
}

/**
 * When a job that a write leaves in `status` expires: `now` plus the retention of a final status
 * (`completed`, `failed`, `cancelled`); `undefined` for an active status, for a recurring job
 * (its document carries the schedule and is never deleted) and for a retention of `false`.
 */
export function expireAtFor(
  job: Pick<Job, 'repeatInterval'>,
  status: JobStatus,
  retention: Retention,
  now: Date,
): Date | undefined {
  if (job.repeatInterval !== null) return undefined;
  if (status === JobStatus.Pending || status === JobStatus.Processing) return undefined;
  const keep = retention[status];
  return keep === false ? undefined : new Date(now.getTime() + keep);
}
