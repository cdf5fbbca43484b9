/**
 * What the dashboard uses of a Monque instance: the read and act methods of the management API,
 * and the jobs collection (to watch it for the live overview). `Monque` satisfies this
 * interface; the dashboard calls nothing else.
 */
import type { Job, JobStatus } from '@monque/core';
import type { ChangeStream, ChangeStreamDocument, Document, ObjectId } from 'mongodb';

/** A time range; `from` inclusive, `to` exclusive; either may be omitted. */
export interface DateRange {
  readonly from?: Date;
  readonly to?: Date;
}

/** A plain value to compare a field of `data` with. */
export type JobDataValue = string | number | boolean | null | Date | ObjectId;

/** Which jobs to list (see `Monque.findJobs`). */
export interface JobFilter {
  readonly name?: string | readonly string[];
  readonly status?: JobStatus | readonly JobStatus[];
  readonly nextRunAt?: DateRange;
  readonly createdAt?: DateRange;
  readonly updatedAt?: DateRange;
  readonly uniqueKey?: string;
  readonly recurring?: boolean;
  readonly data?: Readonly<Record<string, JobDataValue>>;
}

/** A sort field and direction; `-` means descending. */
export type JobOrder =
  | 'nextRunAt'
  | '-nextRunAt'
  | 'createdAt'
  | '-createdAt'
  | 'updatedAt'
  | '-updatedAt';

/** Paging and sorting of `findJobs`. */
export interface FindJobsOptions {
  readonly limit?: number;
  readonly cursor?: string;
  readonly order?: JobOrder;
}

/** One page of jobs and the cursor of the next one (`null` on the last page). */
export interface JobPage {
  readonly jobs: readonly Job[];
  readonly nextCursor: string | null;
}

/** A count for every status. */
export type StatusCounts = Readonly<Record<JobStatus, number>>;

/** Figures of one job name. */
export interface NameStats {
  readonly name: string;
  readonly counts: StatusCounts;
  readonly lag: number | null;
  readonly completedLastMinute: number;
  readonly completedLastHour: number;
}

/** A scheduler instance seen through the jobs it holds. */
export interface InstanceStats {
  readonly instanceId: string;
  readonly processing: number;
  readonly lastHeartbeat: Date | null;
}

/** The queue at one moment. */
export interface QueueStats {
  readonly at: Date;
  readonly names: readonly NameStats[];
  readonly total: StatusCounts;
  readonly instances: readonly InstanceStats[];
}

/** What an action on one job did. */
export type JobActionResult =
  | { readonly outcome: 'done'; readonly job: Job }
  | { readonly outcome: 'requested'; readonly job: Job }
  | { readonly outcome: 'refused'; readonly job: Job; readonly reason: string }
  | { readonly outcome: 'not-found' };

/** The part of a jobs collection the live overview watches. */
export interface WatchableCollection {
  readonly collectionName: string;
  watch(
    pipeline?: Document[],
    options?: { readonly fullDocument?: 'default' },
  ): ChangeStream<Document, ChangeStreamDocument<Document>>;
}

/** The management API of one queue, as the dashboard calls it. */
export interface QueueManagement {
  /** The jobs collection, watched for the live overview. */
  readonly collection: WatchableCollection;
  getJob(id: string): Promise<Job | null>;
  findJobs(filter: JobFilter, options: FindJobsOptions): Promise<JobPage>;
  getStats(): Promise<QueueStats>;
  retryJob(id: string): Promise<JobActionResult>;
  rescheduleJob(id: string, runAt: Date): Promise<JobActionResult>;
  cancelJob(id: string): Promise<JobActionResult>;
  deleteJob(id: string): Promise<JobActionResult>;
}

/** The actions the dashboard offers on a job. */
export const JOB_ACTIONS = ['retry', 'reschedule', 'cancel', 'delete'] as const;

/** One of {@link JOB_ACTIONS}. */
export type JobAction = (typeof JOB_ACTIONS)[number];

/** Whether a string names one of the {@link JOB_ACTIONS}. */
export function isJobAction(value: string): value is JobAction {
  return (JOB_ACTIONS as readonly string[]).includes(value);
}
