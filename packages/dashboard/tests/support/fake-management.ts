/**
 * A stand-in for Monque's management API, written against the contract the dashboard codes to:
 * the same method names, arguments and result shapes, over a real jobs collection. The tests use
 * it where @monque/core does not offer a method yet.
 */
import { InvalidArgumentError, type Job, type JobDocument, JobStatus } from '@monque/core';
import { type Collection, type Filter, ObjectId, type Sort } from 'mongodb';
import type {
  FindJobsOptions,
  JobActionResult,
  JobFilter,
  JobPage,
  NameStats,
  QueueManagement,
  QueueStats,
} from '../../src/management.js';

/** The status the management API adds; the fake writes it already. */
export const CANCELLED = 'cancelled';

const STATUSES = [...Object.values(JobStatus), CANCELLED] as const;

function emptyCounts(): Record<string, number> {
  return Object.fromEntries(STATUSES.map((status) => [status, 0]));
}

function toObjectId(id: string): ObjectId {
  if (!/^[0-9a-f]{24}$/i.test(id)) throw new InvalidArgumentError('id', 'must be a job id', id);
  return new ObjectId(id);
}

function toQuery(filter: JobFilter): Filter<JobDocument> {
  const query: Record<string, unknown> = {};
  if (filter.name !== undefined) {
    query.name = typeof filter.name === 'string' ? filter.name : { $in: [...filter.name] };
  }
  if (filter.status !== undefined) {
    query.status = typeof filter.status === 'string' ? filter.status : { $in: [...filter.status] };
  }
  for (const field of ['nextRunAt', 'createdAt', 'updatedAt'] as const) {
    const range = filter[field];
    if (range === undefined) continue;
    const condition: Record<string, Date> = {};
    if (range.from !== undefined) condition.$gte = range.from;
    if (range.to !== undefined) condition.$lt = range.to;
    query[field] = condition;
  }
  if (filter.uniqueKey !== undefined) query.uniqueKey = filter.uniqueKey;
  if (filter.recurring !== undefined) {
    query.repeatInterval = filter.recurring ? { $type: 'string' } : null;
  }
  for (const [path, value] of Object.entries(filter.data ?? {})) {
    if (path.includes('$') || path.split('.').includes('__proto__')) {
      throw new InvalidArgumentError('filter.data', 'keys must be plain field paths', path);
    }
    query[`data.${path}`] = value;
  }
  return query as Filter<JobDocument>;
}

/** The management API over one jobs collection, as the contract describes it. */
export class FakeManagement implements QueueManagement {
  readonly collection: Collection<JobDocument>;
  readonly #now: () => Date;
  /** Every call, in order, for tests that check what the dashboard asked for. */
  readonly calls: { readonly method: string; readonly args: readonly unknown[] }[] = [];

  constructor(collection: Collection<JobDocument>, now: () => Date = () => new Date()) {
    this.collection = collection;
    this.#now = now;
  }

  async getJob(id: string): Promise<Job | null> {
    this.calls.push({ method: 'getJob', args: [id] });
    return this.collection.findOne({ _id: toObjectId(id) });
  }

  async findJobs(filter: JobFilter = {}, options: FindJobsOptions = {}): Promise<JobPage> {
    this.calls.push({ method: 'findJobs', args: [filter, options] });
    const order = options.order ?? '-createdAt';
    const limit = options.limit ?? 50;
    const field = order.replace(/^-/, '');
    const direction = order.startsWith('-') ? -1 : 1;
    const key = JSON.stringify([filter, order]);
    let skip = 0;
    if (options.cursor !== undefined) {
      let decoded: unknown;
      try {
        decoded = JSON.parse(Buffer.from(options.cursor, 'base64url').toString('utf8'));
      } catch {
        decoded = undefined;
      }
      const [cursorKey, cursorSkip] = Array.isArray(decoded) ? decoded : [];
      if (cursorKey !== key || typeof cursorSkip !== 'number') {
        throw new InvalidArgumentError(
          'options.cursor',
          'must be the nextCursor of a page with the same filter and order',
          options.cursor,
        );
      }
      skip = cursorSkip;
    }
    const sort: Sort = { [field]: direction, _id: direction };
    const jobs = await this.collection
      .find(toQuery(filter))
      .sort(sort)
      .skip(skip)
      .limit(limit + 1)
      .toArray();
    const more = jobs.length > limit;
    return {
      jobs: jobs.slice(0, limit),
      nextCursor: more
        ? Buffer.from(JSON.stringify([key, skip + limit])).toString('base64url')
        : null,
    };
  }

  async getStats(): Promise<QueueStats> {
    this.calls.push({ method: 'getStats', args: [] });
    const at = this.#now();
    const jobs = await this.collection.find({}).toArray();
    interface Entry {
      name: string;
      counts: Record<string, number>;
      lag: number | null;
      completedLastMinute: number;
      completedLastHour: number;
    }
    const byName = new Map<string, Entry>();
    const total = emptyCounts();
    const instances = new Map<string, { processing: number; lastHeartbeat: Date | null }>();
    for (const job of jobs) {
      let entry = byName.get(job.name);
      if (entry === undefined) {
        entry = {
          name: job.name,
          counts: emptyCounts(),
          lag: null,
          completedLastMinute: 0,
          completedLastHour: 0,
        };
        byName.set(job.name, entry);
      }
      entry.counts[job.status] = (entry.counts[job.status] ?? 0) + 1;
      total[job.status] = (total[job.status] ?? 0) + 1;
      const age = at.getTime() - job.updatedAt.getTime();
      const mutable = entry;
      if (job.status === JobStatus.Completed && age < 60_000) mutable.completedLastMinute++;
      if (job.status === JobStatus.Completed && age < 3_600_000) mutable.completedLastHour++;
      const wait = at.getTime() - job.nextRunAt.getTime();
      if (job.status === JobStatus.Pending && wait >= 0) {
        mutable.lag = Math.max(mutable.lag ?? 0, wait);
      }
      if (job.status === JobStatus.Processing && job.claimedBy !== null) {
        const instance = instances.get(job.claimedBy) ?? { processing: 0, lastHeartbeat: null };
        instance.processing++;
        if (
          job.lastHeartbeat !== null &&
          (instance.lastHeartbeat === null || job.lastHeartbeat > instance.lastHeartbeat)
        ) {
          instance.lastHeartbeat = job.lastHeartbeat;
        }
        instances.set(job.claimedBy, instance);
      }
    }
    return {
      at,
      names: [...byName.values()]
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((entry): NameStats => ({ ...entry, counts: entry.counts as NameStats['counts'] })),
      total: total as QueueStats['total'],
      instances: [...instances.entries()]
        .map(([instanceId, instance]) => ({ instanceId, ...instance }))
        .sort((a, b) => a.instanceId.localeCompare(b.instanceId)),
    };
  }

  async #transition(
    method: string,
    id: string,
    from: readonly string[],
    update: Record<string, unknown>,
    outcome: 'done' | 'requested' = 'done',
  ): Promise<JobActionResult> {
    const _id = toObjectId(id);
    const job = await this.collection.findOneAndUpdate(
      { _id, status: { $in: [...from] } } as Filter<JobDocument>,
      { $set: { ...update, updatedAt: this.#now() } },
      { returnDocument: 'after' },
    );
    if (job !== null) return { outcome, job };
    const current = await this.collection.findOne({ _id });
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
    const job = await this.collection.findOneAndDelete({
      _id,
      status: { $ne: JobStatus.Processing },
    });
    if (job !== null) return { outcome: 'done', job };
    const current = await this.collection.findOne({ _id });
    if (current === null) return { outcome: 'not-found' };
    return { outcome: 'refused', job: current, reason: 'a processing job cannot be deleted' };
  }
}
