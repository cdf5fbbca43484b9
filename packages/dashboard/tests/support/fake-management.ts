/**
 * Stand-ins for the job actions of Monque's management API (`retryJob`, `rescheduleJob`,
 * `cancelJob`, `deleteJob`), written against the contract the dashboard codes to: the same names,
 * arguments and result shapes, over the real jobs collection. The read side is Monque's own.
 */
import { InvalidArgumentError, type JobDocument, JobStatus, Monque } from '@monque/core';
import { type Collection, type Db, type Filter, ObjectId } from 'mongodb';
import type { JobActionResult, QueueActions, QueueManagement } from '../../src/management.js';

/** The status the management API adds; the stand-in writes it already. */
export const CANCELLED = 'cancelled';

function toObjectId(id: string): ObjectId {
  if (!/^[0-9a-f]{24}$/i.test(id)) throw new InvalidArgumentError('id', 'must be a job id', id);
  return new ObjectId(id);
}

/** The job actions over one jobs collection, as the contract describes them. */
export class FakeJobActions implements QueueActions {
  readonly #collection: Collection<JobDocument>;
  readonly #now: () => Date;
  /** Every call, in order, for tests that check what the dashboard asked for. */
  readonly calls: { readonly method: string; readonly args: readonly unknown[] }[] = [];

  constructor(collection: Collection<JobDocument>, now: () => Date = () => new Date()) {
    this.#collection = collection;
    this.#now = now;
  }

  async #transition(
    method: string,
    id: string,
    from: readonly string[],
    update: Record<string, unknown>,
    outcome: 'done' | 'requested' = 'done',
  ): Promise<JobActionResult> {
    const _id = toObjectId(id);
    const job = await this.#collection.findOneAndUpdate(
      { _id, status: { $in: [...from] } } as Filter<JobDocument>,
      { $set: { ...update, updatedAt: this.#now() } },
      { returnDocument: 'after' },
    );
    if (job !== null) return { outcome, job };
    const current = await this.#collection.findOne({ _id });
    if (current === null) return { outcome: 'not-found' };
    return {
      outcome: 'refused',
      job: current,
      reason: `${method} applies to ${from.join(' or ')} jobs; this one is ${current.status}`,
    };
  }

  async retryJob(id: string): Promise<JobActionResult> {
    this.calls.push({ method: 'retryJob', args: [id] });
    return this.#transition('retry', id, [JobStatus.Failed, CANCELLED], {
      status: JobStatus.Pending,
      nextRunAt: this.#now(),
      failCount: 0,
    });
  }

  async rescheduleJob(id: string, runAt: Date): Promise<JobActionResult> {
    this.calls.push({ method: 'rescheduleJob', args: [id, runAt] });
    return this.#transition('reschedule', id, [JobStatus.Pending], { nextRunAt: runAt });
  }

  async cancelJob(id: string): Promise<JobActionResult> {
    this.calls.push({ method: 'cancelJob', args: [id] });
    const pending = await this.#transition('cancel', id, [JobStatus.Pending], {
      status: CANCELLED,
    });
    if (pending.outcome !== 'refused' || pending.job.status !== JobStatus.Processing)
      return pending;
    // A running job: its owner is asked to abort it (the marker stands in for that request).
    return this.#transition(
      'cancel',
      id,
      [JobStatus.Processing],
      { cancelRequested: true },
      'requested',
    );
  }

  async deleteJob(id: string): Promise<JobActionResult> {
    this.calls.push({ method: 'deleteJob', args: [id] });
    const _id = toObjectId(id);
    const job = await this.#collection.findOneAndDelete({
      _id,
      status: { $ne: JobStatus.Processing },
    });
    if (job !== null) return { outcome: 'done', job };
    const current = await this.#collection.findOne({ _id });
    if (current === null) return { outcome: 'not-found' };
    return { outcome: 'refused', job: current, reason: 'a processing job cannot be deleted' };
  }
}

/** A dashboard's source for tests: Monque's read side, the stand-in actions, and their calls. */
export interface TestManagement extends QueueManagement {
  readonly monque: Monque;
  readonly actions: FakeJobActions;
}

/** Monque (never started) on `collectionName`, with the stand-in actions. */
export function testManagement(db: Db, collectionName: string): TestManagement {
  const monque = new Monque(db, { collectionName, recoverStaleJobs: false });
  const actions = new FakeJobActions(monque.collection);
  return {
    monque,
    actions,
    collection: monque.collection,
    getJob: (id) => monque.getJob(id),
    findJobs: (filter, options) => monque.findJobs(filter, options),
    getStats: () => monque.getStats(),
    retryJob: (id) => actions.retryJob(id),
    rescheduleJob: (id, runAt) => actions.rescheduleJob(id, runAt),
    cancelJob: (id) => actions.cancelJob(id),
    deleteJob: (id) => actions.deleteJob(id),
  };
}
