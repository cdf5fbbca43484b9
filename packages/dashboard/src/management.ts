/**
 * What the dashboard uses of a Monque instance: the read methods of its management API, the jobs
 * collection (watched for the live overview), and the job actions. `Monque` provides all of it;
 * the dashboard calls nothing else.
 */
import type { Monque } from '@monque/core';
import type { ChangeStream, ChangeStreamDocument, Document } from 'mongodb';

/** The part of a jobs collection the live overview watches. */
export interface WatchableCollection {
  readonly collectionName: string;
  watch(
    pipeline?: Document[],
    options?: { readonly fullDocument?: 'default' },
  ): ChangeStream<Document, ChangeStreamDocument<Document>>;
}

/** The read side of Monque's management API: what every page needs. */
export type QueueReader = Pick<Monque, 'collection' | 'getJob' | 'findJobs' | 'getStats'>;

/** The job actions of Monque's management API. */
export type QueueActions = Pick<Monque, 'retryJob' | 'rescheduleJob' | 'cancelJob' | 'deleteJob'>;

/** What the dashboard calls of a Monque instance (any `Monque` is one). */
export type QueueManagement = QueueReader & QueueActions;

/** The methods checked when a dashboard is created. */
export const MANAGEMENT_METHODS = [
  'getJob',
  'findJobs',
  'getStats',
  'retryJob',
  'rescheduleJob',
  'cancelJob',
  'deleteJob',
] as const;

/** The actions the dashboard offers on a job. */
export const JOB_ACTIONS = ['retry', 'reschedule', 'cancel', 'delete'] as const;

/** One of {@link JOB_ACTIONS}. */
export type JobAction = (typeof JOB_ACTIONS)[number];

/** Whether a string names one of the {@link JOB_ACTIONS}. */
export function isJobAction(value: string): value is JobAction {
  return (JOB_ACTIONS as readonly string[]).includes(value);
}
