/**
 * What the dashboard uses of a Monque instance: the read methods of its management API, the jobs
 * collection (watched for the live overview), and the job actions. `Monque` provides all of it;
 * the dashboard calls nothing else.
 */
import type { FindJobsOptions, Job, JobFilter, JobPage, QueueStats } from '@monque/core';
import type { ChangeStream, ChangeStreamDocument, Document } from 'mongodb';

/** What an action on one job did (as `Monque.retryJob` and the other actions answer). */
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

/** The read side: what every page needs. */
export interface QueueReader {
  /** The jobs collection, watched for the live overview. */
  readonly collection: WatchableCollection;
  getJob(id: string): Promise<Job | null>;
  findJobs(filter: JobFilter, options: FindJobsOptions): Promise<JobPage>;
  getStats(): Promise<QueueStats>;
}

/** The job actions. */
export interface QueueActions {
  retryJob(id: string): Promise<JobActionResult>;
  rescheduleJob(id: string, runAt: Date): Promise<JobActionResult>;
  cancelJob(id: string): Promise<JobActionResult>;
  deleteJob(id: string): Promise<JobActionResult>;
}

/**
 * The management API of one queue, as the dashboard calls it. An instance without the actions
 * (a @monque/core that predates them) gives a dashboard that only shows.
 */
export type QueueManagement = QueueReader & Partial<QueueActions>;

/** The methods of the read side, checked when a dashboard is created. */
export const READ_METHODS = ['getJob', 'findJobs', 'getStats'] as const;

/** The methods of the actions. */
export const ACTION_METHODS = ['retryJob', 'rescheduleJob', 'cancelJob', 'deleteJob'] as const;

/** Whether an instance has every action. */
export function hasActions(management: QueueManagement): management is QueueReader & QueueActions {
  return ACTION_METHODS.every((method) => typeof management[method] === 'function');
}

/** The actions the dashboard offers on a job. */
export const JOB_ACTIONS = ['retry', 'reschedule', 'cancel', 'delete'] as const;

/** One of {@link JOB_ACTIONS}. */
export type JobAction = (typeof JOB_ACTIONS)[number];

/** Whether a string names one of the {@link JOB_ACTIONS}. */
export function isJobAction(value: string): value is JobAction {
  return (JOB_ACTIONS as readonly string[]).includes(value);
}
