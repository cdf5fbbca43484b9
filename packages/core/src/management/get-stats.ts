import type { Collection } from 'mongodb';
import { HINTED_INDEX } from '../indexes.js';
import type { JobDocument } from '../jobs/job.js';
import { isJobStatus, JobStatus } from '../jobs/job-status.js';
import { readCallOptions } from '../runtime/call-options.js';
import { assertJobName } from '../validation/job-name.js';
import {
  type ActivityRow,
  activityPipeline,
  type CountRow,
  countsPipeline,
} from './stats-pipelines.js';

/**
 * How many jobs are in each status; every status is present, `0` when there is none.
 *
 * @example
 * ```ts
 * const { total }: { total: StatusCounts } = await monque.getStats();
 * console.log(`${total.pending} pending, ${total.failed} failed`);
 * ```
 */
export type StatusCounts = Readonly<Record<JobStatus, number>>;

/**
 * The figures of one job name in {@link QueueStats}.
 *
 * @example
 * ```ts
 * const { names } = await monque.getStats();
 * for (const stats of names satisfies readonly NameStats[]) {
 *   console.log(stats.name, stats.counts.pending, stats.lag === null ? 'no lag' : `${stats.lag} ms behind`);
 * }
 * ```
 */
export interface NameStats {
  /** The job name. */
  readonly name: string;
  /** Its jobs per status. */
  readonly counts: StatusCounts;
  /**
   * How late its oldest due job is: `at` − `nextRunAt` of the earliest pending job whose
   * `nextRunAt` is not after `at`, in ms; `null` when no pending job is due.
   */
  readonly lag: number | null;
  /** Its jobs that reached `completed` in the minute before `at` (by `updatedAt`). */
  readonly completedLastMinute: number;
  /** Its jobs that reached `completed` in the hour before `at` (by `updatedAt`). */
  readonly completedLastHour: number;
}

/**
 * One instance seen holding jobs in {@link QueueStats}: an instance that is running jobs, as its
 * processing jobs' `claimedBy` says (an idle instance holds none and is not listed).
 *
 * @example
 * ```ts
 * const { instances } = await monque.getStats();
 * const quiet = instances.filter(
 *   (instance: InstanceStats) => instance.lastHeartbeat !== null && Date.now() - instance.lastHeartbeat.getTime() > 60_000,
 * );
 * ```
 */
export interface InstanceStats {
  /** The instance's `schedulerInstanceId`. */
  readonly instanceId: string;
  /** How many processing jobs it holds. */
  readonly processing: number;
  /** The most recent heartbeat among those jobs; `null` when none has one. */
  readonly lastHeartbeat: Date | null;
}

/**
 * What {@link Monque.getStats} read.
 *
 * @example
 * ```ts
 * const stats: QueueStats = await monque.getStats();
 * console.log(stats.at.toISOString(), stats.total, stats.names.length, stats.instances.length);
 * ```
 */
export interface QueueStats {
  /** When the stats were read (this process's clock); times and lags are relative to it. */
  readonly at: Date;
  /** One entry per job name, sorted by name. */
  readonly names: readonly NameStats[];
  /** The jobs of all those names per status. */
  readonly total: StatusCounts;
  /** The instances holding processing jobs, sorted by `instanceId`. */
  readonly instances: readonly InstanceStats[];
}

/**
 * Options of {@link Monque.getStats}.
 *
 * @example
 * ```ts
 * const options: QueueStatsOptions = { name: 'send-email' };
 * const stats = await monque.getStats(options);
 * ```
 */
export interface QueueStatsOptions {
  /** Only jobs of this name (and the instances holding them). */
  readonly name?: string;
}

/** Checks the options of `getStats` and returns the job name it is limited to, if any. */
export function checkGetStats(options: unknown): string | undefined {
  const { name } = readCallOptions(options, ['name']);
  if (name !== undefined) assertJobName(name, 'options.name');
  return name;
}

interface NameFigures {
  counts: Record<JobStatus, number>;
  oldestDue: Date | null;
  completedLastMinute: number;
  completedLastHour: number;
}

function zeroCounts(): Record<JobStatus, number> {
  return Object.fromEntries(Object.values(JobStatus).map((status) => [status, 0])) as Record<
    JobStatus,
    number
  >;
}

const byKey = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Reads the queue's figures with two aggregations sent at once (see `stats-pipelines.ts`): the
 * counts per name × status with each name's oldest due job, and the processing and recently
 * completed jobs. Documents whose name is not a string or whose status is not a Monque status are
 * not counted.
 *
 * @param name - Only jobs of this name, if given (checked).
 * @param at - The time the figures are relative to.
 */
export async function getStats(
  collection: Collection<JobDocument>,
  name: string | undefined,
  at: Date,
): Promise<QueueStats> {
  const [countRows, activityRows] = await Promise.all([
    collection
      .aggregate<CountRow>(countsPipeline(name, at), { hint: HINTED_INDEX.claim })
      .toArray(),
    collection.aggregate<ActivityRow>(activityPipeline(name, at)).toArray(),
  ]);
  const figures = new Map<string, NameFigures>();
  const figuresOf = (jobName: string): NameFigures => {
    let entry = figures.get(jobName);
    if (entry === undefined) {
      entry = {
        counts: zeroCounts(),
        oldestDue: null,
        completedLastMinute: 0,
        completedLastHour: 0,
      };
      figures.set(jobName, entry);
    }
    return entry;
  };
  const total = zeroCounts();
  for (const { _id: group, count, oldestDue } of countRows) {
    if (typeof group.name !== 'string' || !isJobStatus(group.status)) continue;
    const entry = figuresOf(group.name);
    entry.counts[group.status] += count;
    total[group.status] += count;
    if (oldestDue instanceof Date) entry.oldestDue = oldestDue;
  }
  const instances: InstanceStats[] = [];
  for (const { _id: group, count, lastMinute, lastHeartbeat } of activityRows) {
    if (typeof group.key !== 'string') continue;
    if (group.status === JobStatus.Completed) {
      const entry = figuresOf(group.key);
      entry.completedLastHour = count;
      entry.completedLastMinute = lastMinute;
    } else {
      instances.push({
        instanceId: group.key,
        processing: count,
        lastHeartbeat: lastHeartbeat instanceof Date ? lastHeartbeat : null,
      });
    }
  }
  const names = [...figures]
    .sort(([a], [b]) => byKey(a, b))
    .map(([jobName, entry]) => ({
      name: jobName,
      counts: entry.counts,
      lag: entry.oldestDue === null ? null : at.getTime() - entry.oldestDue.getTime(),
      completedLastMinute: entry.completedLastMinute,
      completedLastHour: entry.completedLastHour,
    }));
  instances.sort((a, b) => byKey(a.instanceId, b.instanceId));
  return { at, names, total, instances };
}
