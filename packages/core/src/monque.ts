import type { ClientSession, Collection, Db, ObjectId } from 'mongodb';
import { asCallError, asMonqueError } from './classify-error.js';
import { InvalidArgumentError } from './errors.js';
import type { BulkAction, MonqueEventMap } from './events.js';
import { type ControlDocument, openControlCollection } from './flow/control-collection.js';
import { readPaused, writePause } from './flow/pause-queries.js';
import { readWorkerFlow } from './flow/worker-flow.js';
import { ensureJobIndexes } from './indexes.js';
import type { Job, JobDocument, JobOf } from './jobs/job.js';
import { openJobsCollection } from './jobs/jobs-collection.js';
import { checkBulkFilter, jobFilterOf } from './management/bulk-filter.js';
import { cancelJob } from './management/cancel-job.js';
import { cancelJobs } from './management/cancel-jobs.js';
import { deleteJob } from './management/delete-job.js';
import { deleteJobs } from './management/delete-jobs.js';
import {
  checkFindJobs,
  type FindJobsOptions,
  findJobs,
  type JobPage,
} from './management/find-jobs.js';
import { getJob } from './management/get-job.js';
import {
  checkGetStats,
  getStats,
  type QueueStats,
  type QueueStatsOptions,
} from './management/get-stats.js';
import type {
  BulkActionOptions,
  BulkActionResult,
  JobActionResult,
} from './management/job-action.js';
import type { CheckedJobFilter, JobFilter } from './management/job-filter.js';
import { rescheduleJob } from './management/reschedule-job.js';
import { retryJob } from './management/retry-job.js';
import { retryJobs } from './management/retry-jobs.js';
import { unscheduleJob } from './management/unschedule.js';
import { type MonqueOptions, type ResolvedMonqueOptions, resolveMonqueOptions } from './options.js';
import { resolveRetention } from './processing/retention.js';
import { readCallOptions } from './runtime/call-options.js';
import { Lifecycle } from './runtime/lifecycle.js';
import { type MonqueEvents, SafeEvents } from './runtime/safe-events.js';
import { SchedulerRuntime } from './runtime/scheduler-runtime.js';
import {
  assertSession,
  type SessionOptions,
  sessionOptions,
  takeSession,
} from './runtime/session-option.js';
import { parseCron } from './scheduling/cron.js';
import { prepareEnqueue, stampPreparedJob } from './scheduling/enqueue-input.js';
import { insertJob, insertJobs, upsertUniqueJob } from './scheduling/insert-job.js';
import { scheduleRecurringJob } from './scheduling/schedule-job.js';
import { assertServerVersion } from './server-version.js';
import { TypedEventEmitter } from './typed-event-emitter.js';
import { assertConcurrency } from './validation/concurrency.js';
import { assertHandler } from './validation/handler.js';
import { assertJobId } from './validation/job-id.js';
import { assertJobName } from './validation/job-name.js';
import { assertJobTimeout } from './validation/job-timeout.js';
import { assertPayload } from './validation/payload.js';
import { assertPriority } from './validation/priority.js';
import { assertRunAt } from './validation/run-at.js';
import { assertTimezone } from './validation/timezone.js';
import { assertUniqueKey } from './validation/unique-key.js';
import type { JobHandler, WorkerOptions } from './workers/worker-registry.js';

/**
 * Options of {@link Monque.enqueue}.
 *
 * @example
 * ```ts
 * await monque.enqueue('report', { id }, { runAt: tomorrow, uniqueKey: `report-${id}` } satisfies EnqueueOptions);
 * ```
 */
export interface EnqueueOptions extends SessionOptions {
  /** When the job is due (a valid Date). Default: now. */
  runAt?: Date;
  /**
   * Deduplication key, scoped to the job name: while a pending or processing job of this name
   * has the key, enqueueing again returns that job (with `created: false`) instead of adding one.
   * Recurring jobs have keys of their own (`schedule()`'s `key`): an equal string never matches
   * one.
   */
  uniqueKey?: string;
  /**
   * The job's time limit in ms (> 0, ≤ 2^31 − 1), stored on the job so every instance honours
   * it; it wins over the worker's `timeout`. When a run takes longer, its handler's `signal` is
   * aborted with a `JobTimeoutError` and the attempt is failed (normal retry rules). Default:
   * none (the worker's, if any).
   */
  timeout?: number;
  /**
   * The job's priority, an integer from −2^31 to 2^31 − 1: due jobs of one name are claimed
   * highest priority first, then oldest due first. A steady stream of high-priority jobs can keep
   * lower ones waiting for ever: that is the caller's choice. Default: the `priority` of this
   * instance's worker for the name, if it has one, else 0.
   */
  priority?: number;
  /**
   * The job's group, such as a tenant or account id (1–1024 characters): a worker with
   * `groupConcurrency` K runs at most K jobs of one name and group at once across all instances,
   * in claim order within the group. Without `groupConcurrency`, the key is stored and not used.
   */
  groupKey?: string;
}

/**
 * What {@link Monque.enqueue} and {@link Monque.now} resolve to: the job, and whether this call
 * added it. With a `uniqueKey` that an active job of the same name already has, nothing is
 * written: `job` is that job as stored (its `data` and due time, not this call's) and `created`
 * is `false`.
 *
 * @typeParam J - The type of the job.
 *
 * @example
 * ```ts
 * const { job, created } = await monque.enqueue('invoice', { orderId: 42 }, { uniqueKey: 'invoice-42' });
 * if (!created) console.log(`invoice 42 is already queued as ${job._id.toHexString()}`);
 * ```
 */
export interface EnqueueResult<J extends Job = Job> {
  /** The job as stored: the new one, or the active job that already had the `uniqueKey`. */
  readonly job: J;
  /**
   * `true` when this call added the job; `false` when an active job of the same name already
   * had the `uniqueKey`, and this call's data and `runAt` were dropped.
   */
  readonly created: boolean;
}

/**
 * Options of one job of {@link Monque.enqueueMany}: `runAt` and `timeout` (`uniqueKey` needs one
 * upsert per job, so jobs with one are refused; use {@link Monque.enqueue} for them). The
 * `session` is the call's, not a job's: `enqueueMany(jobs, { session })`.
 *
 * @example
 * ```ts
 * const options: EnqueueManyOptions = { runAt: new Date(Date.now() + 60_000) };
 * ```
 */
export type EnqueueManyOptions = Omit<EnqueueOptions, 'uniqueKey' | 'session'>;

/**
 * One job of {@link Monque.enqueueMany}: its name, data and options, typed by the job map.
 *
 * @typeParam JobMap - Job names mapped to the type of their data.
 *
 * @example
 * ```ts
 * const job: EnqueueManyJob<{ 'send-email': { to: string } }> = {
 *   name: 'send-email',
 *   data: { to: 'ada@example.com' },
 * };
 * ```
 */
export type EnqueueManyJob<JobMap extends Record<string, unknown> = Record<string, unknown>> = {
  [N in keyof JobMap & string]: { name: N; data: JobMap[N]; options?: EnqueueManyOptions };
}[keyof JobMap & string];

/**
 * Options of {@link Monque.schedule}.
 *
 * @example
 * ```ts
 * await monque.schedule('0 8 * * *', 'digest', { region: 'eu' }, { key: 'eu', timezone: 'Europe/Berlin' } satisfies ScheduleOptions);
 * ```
 */
export interface ScheduleOptions extends SessionOptions {
  /**
   * The recurring job's identity within its name (1–1024 characters), stored as `scheduleKey`.
   * Schedules' keys are apart from `enqueue`'s `uniqueKey`: an equal string never collides.
   * Default: the job name.
   */
  key?: string;
  /** The IANA time zone the cron expression is read in. Default: UTC. */
  timezone?: string;
  /**
   * The time limit of each run in ms (> 0, ≤ 2^31 − 1), stored on the job; it wins over the
   * worker's `timeout` (see {@link EnqueueOptions.timeout}). Default: none.
   */
  timeout?: number;
  /**
   * The priority of every run (see {@link EnqueueOptions.priority}); a changed priority is stored
   * by the next `schedule()` call. Default: 0.
   */
  priority?: number;
}

/**
 * Options of {@link Monque.unschedule}.
 *
 * @example
 * ```ts
 * await monque.unschedule('digest', { key: 'digest-eu' } satisfies UnscheduleOptions);
 * ```
 */
export interface UnscheduleOptions extends SessionOptions {
  /** The recurring job's key within its name, as given to `schedule()`. Default: the name. */
  key?: string;
}

/**
 * A MongoDB-backed job scheduler: enqueue one-off, delayed and recurring (cron) jobs, and run them
 * with workers on any number of instances. Claims are atomic, running jobs send heartbeats and
 * are taken over when an instance dies, and results are written under the claim's fence.
 * Change streams tell an instance about new jobs at once (polling where they are unavailable).
 *
 * Lease and due-time decisions are taken on the database server's clock: heartbeats are stamped
 * and staleness is judged by the server, and due times, backoff and cron occurrences are read
 * from this instance's estimate of the server's time (one `hello` a minute), so instances whose
 * clocks disagree neither take over each other's live jobs nor run jobs early or late. A `runAt`
 * you pass is taken as given.
 *
 * A handler's `signal` tells it to stop: its `timeout` elapsed, the job was cancelled (from any
 * instance), this instance could not confirm its claim, or `stop()` gave up waiting (see
 * {@link JobContext}).
 *
 * Events: `job:start`, `job:progress`, `job:complete`, `job:fail`, `job:cancelled`, `job:error`,
 * `stale:recovered`, `changestream:connected`, `changestream:error`, `changestream:closed`,
 * `changestream:fallback`, and for the management methods `job:retried`, `job:rescheduled`,
 * `job:deleted` and `jobs:bulk` (see {@link MonqueEventMap}). `on`, `once`, `off` and `emit`
 * check event names and listener arguments, and the jobs the events carry are typed by the job
 * map.
 *
 * Events: `job:start`, `job:complete`, `job:fail`, `job:cancelled`, `job:error`,
 * `stale:recovered`, `changestream:connected`, `changestream:error`, `changestream:closed`,
 * `changestream:fallback`, `queue:paused`, `queue:resumed` (see {@link MonqueEventMap}). `on`, `once`, `off` and `emit` check
 * event names and listener arguments, and the jobs the events carry are typed by the job map.
 *
 * @typeParam JobMap - Job names mapped to the type of their data, to type `enqueue`, `worker`
 * and the jobs of the events.
 *
 * @example
 * ```ts
 * type Jobs = { 'send-email': { to: string }; cleanup: null };
 * const monque = new Monque<Jobs>(client.db('app'), { defaultConcurrency: 2 });
 * monque.worker('send-email', async (job, { signal }) => {
 *   await mailer.send(job.data.to, { signal });
 * });
 * monque.on('job:fail', ({ job, error, willRetry }) => console.warn(job.name, error, willRetry));
 * await monque.start();
 * await monque.enqueue('send-email', { to: 'ada@example.com' });
 * await monque.schedule('0 * * * *', 'cleanup', null);
 * process.once('SIGTERM', async () => {
 *   await monque.stop(); // finishes running jobs, releases the rest
 *   await client.close(); // nothing left open: the process ends
 * });
 * ```
 */
export class Monque<
  JobMap extends Record<string, unknown> = Record<string, unknown>,
> extends TypedEventEmitter<MonqueEventMap<JobMap>> {
  readonly #options: ResolvedMonqueOptions;
  readonly #db: Db;
  readonly #collection: Collection<JobDocument>;
  readonly #control: Collection<ControlDocument>;
  readonly #events: MonqueEvents;
  readonly #runtime: SchedulerRuntime;
  readonly #lifecycle: Lifecycle;
  #initializing: Promise<void> | undefined;
  /** The priority of a job added without one: its worker's here, if it has one. */
  readonly #defaultPriority = (name: string): number | undefined =>
    this.#runtime.registry.priorityFor(name);

  /**
   * Creates an instance; nothing is sent to the database until {@link initialize}, {@link start}
   * or the first job is added.
   *
   * @param db - The database that holds the jobs collection.
   * @param options - See {@link MonqueOptions}; validated here.
   * @throws InvalidArgumentError for an invalid `db` or option.
   *
   * @example
   * ```ts
   * const monque = new Monque(client.db('app'), { collectionName: 'jobs', maxRetries: 5 });
   * ```
   */
  constructor(db: Db, options?: MonqueOptions) {
    super();
    if (
      typeof db !== 'object' ||
      db === null ||
      typeof db.collection !== 'function' ||
      typeof db.command !== 'function'
    ) {
      throw new InvalidArgumentError('db', 'must be a MongoDB Db (client.db(name))', db);
    }
    this.#options = resolveMonqueOptions(options);
    this.#db = db;
    this.#collection = openJobsCollection(db, this.#options.collectionName);
    this.#control = openControlCollection(db, this.#options.collectionName);
    this.#events = new SafeEvents(this);
    this.#runtime = new SchedulerRuntime({
      collection: this.#collection,
      control: this.#control,
      events: this.#events,
      options: this.#options,
      command: (command) => db.command(command),
    });
    this.#lifecycle = new Lifecycle({
      initialize: () => this.initialize(),
      // Read at every start, so a paused name is not claimed, whatever happened meanwhile.
      prepare: () =>
        this.#runtime.readControl().catch((error: unknown) => {
          throw asMonqueError(error, 'could not read the pauses in force');
        }),
      start: () => this.#runtime.start(),
      stop: () => this.#runtime.stop(),
    });
  }

  /**
   * The jobs collection, for queries of your own (such as dashboards or tests). It reads from
   * the primary and writes with `w: 'majority'`, whatever the client's defaults; for reads that
   * may go elsewhere, open the collection yourself (`db.collection(name, { readPreference })`).
   *
   * @example
   * ```ts
   * const failed = await monque.collection.find({ status: 'failed' }).toArray();
   * ```
   */
  get collection(): Collection<JobDocument> {
    return this.#collection;
  }

  /**
   * How many jobs this instance is running right now.
   *
   * @example
   * ```ts
   * if (monque.inFlightCount === 0) console.log('idle');
   * ```
   */
  get inFlightCount(): number {
    return this.#runtime.runner.activeCount;
  }

  /**
   * The job names this instance has workers for, in registration order.
   *
   * @example
   * ```ts
   * console.log(monque.workerNames); // ['send-email', 'cleanup']
   * ```
   */
  get workerNames(): readonly string[] {
    return this.#runtime.registry.names;
  }

  /**
   * Checks the server's version (MongoDB 6.0 or newer), reads the server's clock, creates the
   * indexes and, with `recoverStaleJobs`, hands stale claims back. Called by `start`, `enqueue`,
   * `enqueueMany`, `now`, `schedule`, `getJob`, `findJobs`, `getStats`, `cancelJob`,
   * `cancelJobs`, `unschedule`, `retryJob`, `retryJobs`, `rescheduleJob`, `deleteJob` and
   * `deleteJobs` (every method that reads or writes jobs); concurrent calls share one run, and
   * after a success it does nothing. A failed run can be retried.
   *
   * @throws UnsupportedServerVersionError on a server older than MongoDB 6.0 (nothing is created);
   * ConnectionError when MongoDB cannot be reached; DatabaseError when it refuses the indexes
   * (such as an index of the same name with other keys).
   *
   * @example
   * ```ts
   * await monque.initialize(); // e.g. in a readiness check before accepting traffic
   * ```
   */
  initialize(): Promise<void> {
    if (this.#initializing === undefined) {
      this.#initializing = this.#initialize().catch((error: unknown) => {
        this.#initializing = undefined;
        throw asMonqueError(error, 'could not initialize the jobs collection');
      });
    }
    return this.#initializing;
  }

  /**
   * Adds a job. With `uniqueKey`, an active (pending or processing) job of the same name and key
   * is returned instead of adding a second one, also under heavy concurrency (`created: false`
   * says so: this call's data and `runAt` were dropped); completed and failed jobs do not count.
   *
   * With a `session` (see {@link SessionOptions}) the job is written in it: inside a transaction,
   * workers and change streams see it only once the transaction commits, and never when it
   * aborts. A `uniqueKey` then matches the active job the transaction sees; when a concurrent
   * transaction enqueues the same key, one of them gets MongoDB's `WriteConflict`, rethrown as
   * the driver's error (labelled `TransientTransactionError`) for `withTransaction` to retry —
   * the retry returns the other's job with `created: false`.
   *
   * @param name - The job name (1–255 characters, no control characters).
   * @param data - The payload: plain BSON-storable data (`undefined` is stored as `null`).
   * @param options - `runAt` (default now, by the database's clock), `uniqueKey`, `timeout` and
   * `session`.
   * @returns The job as stored and whether this call created it (`false` for a duplicate
   * `uniqueKey`, with the existing job).
   * @throws InvalidArgumentError or PayloadTooLargeError before anything is written;
   * ConnectionError when the write fails for a transient reason (such as no connection),
   * DatabaseError when the database refuses it (such as a collection validator); inside a
   * transaction, the driver's error for one labelled `TransientTransactionError`.
   *
   * @example
   * ```ts
   * const { job, created } = await monque.enqueue('invoice', { orderId: 42 }, { uniqueKey: 'invoice-42' });
   * console.log(created ? 'queued' : 'already queued', job._id.toHexString());
   * ```
   *
   * @example
   * ```ts
   * // The job exists, for workers, only if the order does.
   * await client.withSession((session) =>
   *   session.withTransaction(async () => {
   *     await orders.insertOne({ _id: orderId, total: 42 }, { session });
   *     await monque.enqueue('invoice', { orderId }, { session, uniqueKey: `invoice-${orderId}` });
   *   }),
   * );
   * ```
   */
  async enqueue<N extends keyof JobMap & string>(
    name: N,
    data: JobMap[N],
    options?: EnqueueOptions,
  ): Promise<EnqueueResult<JobOf<JobMap, N>>> {
    const { session, rest } = takeSession(options, this.#db);
    const prepared = prepareEnqueue(
      { name, data, options: rest },
      this.#options.maxPayloadSize,
      new Date(),
      '',
      this.#defaultPriority,
    );
    const { uniqueKey } = prepared;
    return this.#write(`could not enqueue job ${JSON.stringify(name)}`, session, async (write) => {
      const document = stampPreparedJob(prepared, this.#runtime.clock.now());
      const { job, created } =
        uniqueKey === undefined
          ? { job: await insertJob(this.#collection, document, write), created: true }
          : await upsertUniqueJob(
              this.#collection,
              name,
              { uniqueKey },
              { $setOnInsert: document },
              write,
            );
      return { job: job as JobOf<JobMap, N>, created };
    });
  }

  /**
   * Adds many jobs with one `insertMany` round trip. Every job is checked before anything is
   * written, so one bad job rejects the whole call and adds none. Jobs with a `uniqueKey` are
   * refused (their deduplication needs one upsert each): enqueue those with {@link enqueue}.
   * An empty array adds nothing and sends nothing.
   *
   * @param jobs - The jobs: `name`, `data` and optional `options` (`runAt`, `timeout`).
   * @param options - `session`: the session the insert runs in (see {@link SessionOptions});
   * inside a transaction the jobs are added all together at its commit, or not at all.
   * @returns The jobs as stored, in the order given.
   * @throws InvalidArgumentError (naming the job, such as `jobs[3].name`) or PayloadTooLargeError
   * before anything is written; ConnectionError or DatabaseError when the write fails — then the
   * jobs before the one that failed may have been added (the insert is ordered), unless it ran in
   * a transaction.
   *
   * @example
   * ```ts
   * await monque.enqueueMany(
   *   users.map((user) => ({ name: 'send-email', data: { to: user.email } })),
   * );
   * ```
   */
  async enqueueMany(
    jobs: readonly EnqueueManyJob<JobMap>[],
    options?: SessionOptions,
  ): Promise<JobOf<JobMap>[]> {
    if (!Array.isArray(jobs)) {
      throw new InvalidArgumentError('jobs', 'must be an array of { name, data, options? }', jobs);
    }
    const session = this.#sessionOf(options);
    const now = new Date();
    const prepared = jobs.map((job: unknown, index) => {
      const path = `jobs[${index}]`;
      const { name, data, options } = readCallOptions(job, ['name', 'data', 'options'], path);
      const checked = prepareEnqueue(
        { name, data, options },
        this.#options.maxPayloadSize,
        now,
        `${path}.`,
        this.#defaultPriority,
      );
      if (checked.uniqueKey !== undefined) {
        throw new InvalidArgumentError(
          `${path}.options.uniqueKey`,
          'is not supported by enqueueMany (deduplication needs one upsert per job); use enqueue',
          checked.uniqueKey,
        );
      }
      return checked;
    });
    if (prepared.length === 0) {
      return [];
    }
    return this.#write(`could not enqueue ${prepared.length} jobs`, session, async (write) => {
      const stampedAt = this.#runtime.clock.now();
      const documents = prepared.map((job) => stampPreparedJob(job, stampedAt));
      return (await insertJobs(this.#collection, documents, write)) as JobOf<JobMap>[];
    });
  }

  /**
   * Adds a job that is due at once (`enqueue` without `runAt`, `uniqueKey` or `timeout`, so
   * `created` is always `true`).
   *
   * @param options - `session`: the session the insert runs in (see {@link SessionOptions}).
   *
   * @example
   * ```ts
   * const { job } = await monque.now('send-email', { to: 'ada@example.com' });
   * ```
   */
  now<N extends keyof JobMap & string>(
    name: N,
    data: JobMap[N],
    options?: SessionOptions,
  ): Promise<EnqueueResult<JobOf<JobMap, N>>> {
    // Only the session: the copy is checked as `enqueue`'s options.
    return this.enqueue(name, data, readCallOptions(options, ['session']) as EnqueueOptions);
  }

  /**
   * Creates a recurring job that runs at every time the cron expression matches. Idempotent: the
   * job is identified by its name and `key` (default: the name; stored as `scheduleKey`, apart
   * from `enqueue`'s `uniqueKey`), so calling it at every start-up never adds a second job; a
   * different expression, time zone or data updates the existing job. A recurring job stored by
   * an earlier version with its key in `uniqueKey` is moved to `scheduleKey` (the same job). After a successful run the next time comes from the expression (missed times
   * are not caught up); failures are retried with backoff, and after a final failure (see
   * `maxRetries`) the failure is recorded and the job goes on at its next occurrence.
   *
   * @param cron - 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first.
   * @param name - The job name.
   * @param data - The payload of every run.
   * @param options - `key`, `timezone` (IANA name, default UTC), `timeout` and `session` (the
   * session every read and write of the call runs in; see {@link SessionOptions}).
   * @throws InvalidCronError for an invalid expression, InvalidArgumentError or
   * PayloadTooLargeError for other bad input — before anything is written; ConnectionError or
   * DatabaseError when the write fails (inside a transaction, the driver's error for one labelled
   * `TransientTransactionError`).
   *
   * @example
   * ```ts
   * await monque.schedule('30 2 * * 1-5', 'sync-inventory', { full: false });
   * ```
   */
  async schedule<N extends keyof JobMap & string>(
    cron: string,
    name: N,
    data: JobMap[N],
    options?: ScheduleOptions,
  ): Promise<JobOf<JobMap, N>> {
    assertJobName(name);
    const { session, rest } = takeSession(options, this.#db);
    const { key, timezone, timeout, priority } = readCallOptions(rest, [
      'key',
      'timezone',
      'timeout',
      'priority',
    ]);
    if (priority !== undefined) {
      assertPriority(priority, 'options.priority');
    }
    if (key !== undefined) {
      assertUniqueKey(key, 'options.key');
    }
    if (timezone !== undefined) {
      assertTimezone(timezone, 'options.timezone');
    }
    if (timeout !== undefined) {
      assertJobTimeout(timeout, 'options.timeout');
    }
    const schedule = parseCron(cron, timezone);
    const payload = data === undefined ? null : data;
    assertPayload(payload, this.#options.maxPayloadSize);
    const job = await this.#write(
      `could not schedule job ${JSON.stringify(name)}`,
      session,
      (write) =>
        scheduleRecurringJob(
          this.#collection,
          {
            name,
            data: payload,
            key: key ?? name,
            schedule,
            timezone,
            timeout,
            priority: priority ?? this.#defaultPriority(name),
          },
          this.#runtime.clock.now(),
          write,
        ),
    );
    return job as JobOf<JobMap, N>;
  }

  /**
   * Registers the handler of a job name, before or after `start()`. Jobs of names without a
   * worker stay pending. A handler should honour `signal` and pass it on: it aborts when the
   * job's `timeout` elapses, when the job is cancelled, when this instance could not confirm its
   * claim, and when `stop()` gives up waiting (see `JobContext`).
   *
   * @param name - The job name.
   * @param handler - Runs one job; throw or reject to fail it. What it returns is stored as the
   * job's `result` (see `maxResultSize`); `context.progress()` reports its progress.
   * @param options - `concurrency` (default `defaultConcurrency`), `replace`, `timeout` (the time
   * limit of each run in ms; a job's own `timeout` wins), `retention` (default: the instance's)
   * for the jobs of this name that this instance finishes, and the flow control of the name:
   * `priority` (for jobs this instance adds), `groupConcurrency` and `rateLimit` (see
   * {@link WorkerOptions}).
   * @throws WorkerRegistrationError when the name has a worker (without `replace: true`) or the
   * handler is not a function; InvalidArgumentError for bad options.
   *
   * @example
   * ```ts
   * monque.worker('resize', async (job, { signal }) => resize(job.data, { signal }), {
   *   concurrency: 2,
   * });
   * ```
   */
  worker<N extends keyof JobMap & string>(
    name: N,
    handler: JobHandler<JobMap[N]>,
    options?: WorkerOptions,
  ): void {
    assertJobName(name);
    assertHandler(name, handler);
    const { concurrency, replace, timeout, retention, ...flow } = readCallOptions(options, [
      'concurrency',
      'replace',
      'timeout',
      'retention',
      'priority',
      'groupConcurrency',
      'rateLimit',
    ]);
    const limit = concurrency ?? this.#options.defaultConcurrency;
    assertConcurrency(limit);
    if (replace !== undefined && typeof replace !== 'boolean') {
      throw new InvalidArgumentError('options.replace', 'must be true or false', replace);
    }
    if (timeout !== undefined) {
      assertJobTimeout(timeout, 'options.timeout');
    }
    const ownRetention =
      retention === undefined
        ? undefined
        : resolveRetention(retention, 'options.retention', this.#options.retention);
    this.#runtime.addWorker(
      name,
      handler as JobHandler,
      limit,
      replace === true,
      timeout,
      ownRetention,
      readWorkerFlow(flow),
    );
  }

  /**
   * Initializes, then starts claiming and running jobs. Does nothing when already running; after
   * `stop()` it starts again. Starts and stops happen in call order and the last call wins: when
   * `stop()` is called before `start()` has finished (such as on a SIGTERM during start-up),
   * `start()` resolves without starting anything.
   *
   * @throws UnsupportedServerVersionError, ConnectionError or DatabaseError when initialization
   * fails.
   *
   * @example
   * ```ts
   * monque.worker('send-email', sendEmail);
   * await monque.start();
   * ```
   */
  start(): Promise<void> {
    return this.#lifecycle.start();
  }

  /**
   * Stops gracefully: no new claims, the change stream closes, and running jobs get up to
   * `shutdownTimeout` to finish. Handlers still running then have their `signal` aborted, their
   * jobs go back to pending, and a `job:error` event carries a `ShutdownTimeoutError` listing
   * them. It wins over a `start()` still in progress (see {@link start}); once it resolves no
   * timer, round trip or change stream of this instance is left, so closing the client lets the
   * process exit. Directly repeated calls share one stop.
   *
   * @example
   * ```ts
   * process.on('SIGTERM', async () => {
   *   await monque.stop();
   *   await client.close();
   * });
   * ```
   */
  stop(): Promise<void> {
    return this.#lifecycle.stop();
  }

  /**
   * Whether the instance is running and its last database round trip (claim, heartbeat or poll)
   * succeeded within 2 × `heartbeatInterval`; `false` when stopped or the connection is lost.
   *
   * @example
   * ```ts
   * app.get('/health', (_req, res) => res.status(monque.isHealthy() ? 200 : 503).end());
   * ```
   */
  isHealthy(): boolean {
    return this.#runtime.running && this.#runtime.health.isHealthy();
  }

  /**
   * Reads one job by its id; works without `start()`. One `find` on `_id`.
   *
   * @param id - An `ObjectId` or its 24-character hex string.
   * @returns The job as stored, or `null` when there is no job with this id.
   * @throws InvalidArgumentError for anything else (such as `{ $ne: null }`), before anything is
   * sent; ConnectionError when the read fails.
   *
   * @example
   * ```ts
   * const job = await monque.getJob('65a1f0c2e4b0a1b2c3d4e5f6');
   * if (job?.status === 'failed') console.log(job.failReason);
   * ```
   */
  async getJob(id: ObjectId | string): Promise<JobOf<JobMap> | null> {
    const jobId = assertJobId(id);
    await this.initialize();
    try {
      return (await getJob(this.#collection, jobId)) as JobOf<JobMap> | null;
    } catch (error) {
      throw asMonqueError(error, `could not read job ${jobId.toHexString()}`);
    }
  }

  /**
   * Lists jobs a page at a time, in a stable order; works without `start()`. A page is one `find`
   * per status the filter names (every status when it names none), sent at once, each one
   * ordered range of an index (see the Managing jobs guide).
   *
   * Paging with `nextCursor` is stable while the queue changes: no job is returned twice, and no
   * job that exists unchanged for the whole walk is skipped. Jobs added or changed meanwhile may
   * or may not appear. With the `updatedAt` and `nextRunAt` orders, jobs changed after the first
   * page was read are left out of the later pages (they could otherwise come twice).
   *
   * @param filter - Which jobs (see {@link JobFilter}); all fields must match. Default: all jobs.
   * @param options - `limit` (1–1000, default 50), `order` (default `'-createdAt'`) and the
   * `cursor` of the previous page.
   * @returns The page's jobs and the cursor of the next page (`null` after the last).
   * @throws InvalidArgumentError naming the argument (such as `filter.data`) for a bad filter or
   * option, or a cursor made for another filter or order — before anything is sent;
   * ConnectionError when the read fails.
   *
   * @example
   * ```ts
   * let cursor: string | undefined;
   * do {
   *   const page = await monque.findJobs({ status: 'failed' }, { order: '-updatedAt', cursor });
   *   for (const job of page.jobs) console.log(job.name, job.failReason);
   *   cursor = page.nextCursor ?? undefined;
   * } while (cursor !== undefined);
   * ```
   */
  async findJobs(filter?: JobFilter, options?: FindJobsOptions): Promise<JobPage> {
    const request = checkFindJobs(filter, options);
    await this.initialize();
    try {
      return await findJobs(this.#collection, request);
    } catch (error) {
      throw asMonqueError(error, 'could not list jobs');
    }
  }

  /**
   * Reads the queue's figures: jobs per name × status, each name's lag and recent completions,
   * and the instances holding processing jobs; works without `start()`. Two aggregations, sent
   * at once, both served by indexes (the counts from index keys alone).
   *
   * @param options - `name`: only jobs of this name.
   * @returns The figures, relative to `at` (this process's clock when they were read).
   * @throws InvalidArgumentError for bad options, before anything is sent; ConnectionError when
   * the read fails.
   *
   * @example
   * ```ts
   * const stats = await monque.getStats();
   * for (const { name, counts, lag } of stats.names) {
   *   console.log(name, counts.pending, counts.failed, lag === null ? '-' : `${lag} ms`);
   * }
   * ```
   */
  async getStats(options?: QueueStatsOptions): Promise<QueueStats> {
    const name = checkGetStats(options);
    await this.initialize();
    try {
      return await getStats(this.#collection, name, new Date());
    } catch (error) {
      throw asMonqueError(error, 'could not read the queue stats');
    }
  }

  /**
   * Puts a `failed` or `cancelled` job back to `pending`, due at once, with `failCount` and
   * `takeoverCount` 0; works without `start()`. Its `failReason`, `lastFailure` and `history` are
   * kept (they say what happened), its `expireAt` and last `progress` removed. One
   * `findOneAndUpdate` on its id and those statuses, so it is atomic; a refused or missing job is
   * then read once to say why. Emits `job:retried` when done.
   *
   * @param id - An `ObjectId` or its 24-character hex string.
   * @param options - `session`: the session the call runs in (see {@link SessionOptions});
   * inside a transaction the job and its `uniqueKey`'s holder are read first (a refusal by the
   * unique index would abort the transaction).
   * @returns `done` with the job as written; `refused` with the job and the reason (it is not
   * failed or cancelled, or its `uniqueKey` is held by another active job of its name);
   * `not-found`.
   * @throws InvalidArgumentError for a bad id, before anything is sent; ConnectionError or
   * DatabaseError when the write fails.
   *
   * @example
   * ```ts
   * const result = await monque.retryJob(id);
   * if (result.outcome === 'refused') console.warn(`not retried: ${result.reason}`);
   * ```
   */
  async retryJob(id: ObjectId | string, options?: SessionOptions): Promise<JobActionResult> {
    const jobId = assertJobId(id);
    const session = this.#sessionOf(options);
    const result = await this.#write(
      `could not retry job ${jobId.toHexString()}`,
      session,
      (write) => retryJob(this.#collection, jobId, this.#runtime.clock.now(), write),
    );
    if (result.outcome === 'done') this.#events.emit('job:retried', { job: result.job });
    return result;
  }

  /**
   * Retries every `failed` or `cancelled` job the filter selects, as {@link retryJob} does for
   * one, each atomically; other jobs the filter selects are left alone. A job whose `uniqueKey`
   * another active job of its name holds is skipped. Emits one `jobs:bulk` event.
   *
   * @param filter - Which jobs, as for {@link findJobs}. An empty filter is refused unless
   * `options` says `{ all: true }`.
   * @param options - `all: true` to accept an empty filter (every failed and cancelled job);
   * `session` (see {@link SessionOptions}; inside a transaction, jobs with a `uniqueKey` are
   * retried one at a time, each as {@link retryJob} does).
   * @returns How many jobs were retried (`done`).
   * @throws InvalidArgumentError for a bad or empty filter, before anything is sent;
   * ConnectionError or DatabaseError when a write fails (the jobs retried before it stay
   * retried).
   *
   * @example
   * ```ts
   * const { done } = await monque.retryJobs({ name: 'send-email', status: 'failed' });
   * console.log(`${done} emails will be sent again`);
   * ```
   */
  retryJobs(filter: JobFilter, options?: BulkActionOptions): Promise<BulkActionResult> {
    return this.#bulk('retry', filter, options, (checked, write) =>
      retryJobs(this.#collection, checked, this.#runtime.clock.now(), write),
    );
  }

  /**
   * Moves a `pending` job's next run to `runAt`; works without `start()`. One
   * `findOneAndUpdate` on its id and `status: 'pending'`. Emits `job:rescheduled` (with the
   * previous `nextRunAt`) when done.
   *
   * @param id - An `ObjectId` or its 24-character hex string.
   * @param runAt - When the job is due (a valid Date; in the past: due at once).
   * @param options - `session`: the session the call runs in (see {@link SessionOptions}).
   * @returns `done` with the job as written; `refused` with the job and the reason (it is not
   * pending: a processing, completed, failed or cancelled job keeps its time); `not-found`.
   * @throws InvalidArgumentError for a bad id or `runAt`, before anything is sent;
   * ConnectionError or DatabaseError when the write fails.
   *
   * @example
   * ```ts
   * await monque.rescheduleJob(id, new Date(Date.now() + 60 * 60 * 1000)); // an hour from now
   * ```
   */
  async rescheduleJob(
    id: ObjectId | string,
    runAt: Date,
    options?: SessionOptions,
  ): Promise<JobActionResult> {
    const jobId = assertJobId(id);
    assertRunAt(runAt);
    const session = this.#sessionOf(options);
    const { result, previousRunAt } = await this.#write(
      `could not reschedule job ${jobId.toHexString()}`,
      session,
      (write) =>
        rescheduleJob(
          this.#collection,
          jobId,
          new Date(runAt.getTime()),
          this.#runtime.clock.now(),
          write,
        ),
    );
    if (result.outcome === 'done' && previousRunAt !== undefined) {
      this.#events.emit('job:rescheduled', { job: result.job, previousRunAt });
    }
    return result;
  }

  /**
   * Cancels a job (the contract's `cancel()`), atomically, from any instance; works without
   * `start()`:
   * - a `pending` job is `cancelled` at once (`outcome: 'done'`, `job:cancelled` emitted here); a
   *   recurring job has only the occurrence it waits for cancelled: it stays pending at its next
   *   one (to remove the schedule, see {@link unschedule});
   * - a `processing` job gets a cancel request (`outcome: 'requested'`): the instance running it
   *   aborts its handler's `signal` with a `JobCancelledError` — at once through its change
   *   stream, within one heartbeat while it polls — and writes it `cancelled` (a recurring job:
   *   its next occurrence) once the handler settles or `abortGracePeriod` has passed; that
   *   instance emits `job:cancelled`. A request that reaches the job after its handler has
   *   finished cancels its retry or next occurrence instead, when claimed;
   * - a `completed`, `failed` or `cancelled` job is left alone (`outcome: 'refused'`, with the
   *   reason).
   * A cancelled job is never retried by Monque.
   *
   * @param id - An `ObjectId` or its 24-character hex string.
   * @param options - `session`: the session the call runs in (see {@link SessionOptions}).
   * @returns What happened, with the job as written (or as found, when refused).
   * @throws InvalidArgumentError for a bad id, before anything is sent; ConnectionError or
   * DatabaseError when a write fails.
   *
   * @example
   * ```ts
   * const result = await monque.cancelJob(jobId);
   * if (result.outcome === 'refused') console.warn(`not cancelled: ${result.reason}`);
   * ```
   */
  async cancelJob(id: ObjectId | string, options?: SessionOptions): Promise<JobActionResult> {
    const jobId = assertJobId(id);
    const session = this.#sessionOf(options);
    const result = await this.#write(
      `could not cancel job ${jobId.toHexString()}`,
      session,
      (write) => cancelJob(this.#collection, jobId, this.#runtime.clock.now(), write),
    );
    if (result.outcome === 'done') this.#events.emit('job:cancelled', { job: result.job });
    return result;
  }

  /**
   * Cancels every job the filter selects, each atomically as {@link cancelJob} does: pending
   * jobs are cancelled (a recurring one: its waiting occurrence), running ones get a cancel
   * request their instances act on, finished ones are left alone; works without `start()`. An
   * empty filter is refused unless `{ all: true }` is passed. Emits one `jobs:bulk` event.
   *
   * @param filter - Which jobs (see {@link JobFilter}).
   * @param options - `all: true` to allow an empty filter; `session` (see {@link SessionOptions}).
   * @returns How many jobs were cancelled (`done`) and how many running jobs got a request
   * (`requested`).
   * @throws InvalidArgumentError for a bad or (without `all`) empty filter, before anything is
   * sent; ConnectionError or DatabaseError when a write fails (the jobs written before stay
   * cancelled).
   *
   * @example
   * ```ts
   * const { done, requested } = await monque.cancelJobs({ name: 'import', status: ['pending', 'processing'] });
   * ```
   */
  cancelJobs(filter: JobFilter, options?: BulkActionOptions): Promise<BulkActionResult> {
    return this.#bulk('cancel', filter, options, (checked, write) =>
      cancelJobs(this.#collection, checked, this.#runtime.clock.now(), write),
    );
  }

  /**
   * Deletes a job that is not `processing` (a running job is refused: its run would go on
   * unseen); works without `start()`. One `findOneAndDelete` on its id and the other statuses.
   * Deleting a recurring job ends its schedule. Emits `job:deleted` when done.
   *
   * @param id - An `ObjectId` or its 24-character hex string.
   * @param options - `session`: the session the call runs in (see {@link SessionOptions}).
   * @returns `done` with the job as it was; `refused` with the job and the reason; `not-found`.
   * @throws InvalidArgumentError for a bad id, before anything is sent; ConnectionError or
   * DatabaseError when the delete fails.
   *
   * @example
   * ```ts
   * const result = await monque.deleteJob(id);
   * if (result.outcome === 'done') console.log(`deleted ${result.job.name}`);
   * ```
   */
  async deleteJob(id: ObjectId | string, options?: SessionOptions): Promise<JobActionResult> {
    const jobId = assertJobId(id);
    const session = this.#sessionOf(options);
    const result = await this.#write(
      `could not delete job ${jobId.toHexString()}`,
      session,
      (write) => deleteJob(this.#collection, jobId, write),
    );
    if (result.outcome === 'done') this.#events.emit('job:deleted', { job: result.job });
    return result;
  }

  /**
   * Deletes every job the filter selects that is not `processing`, with one `deleteMany` (each
   * job atomically). Emits one `jobs:bulk` event.
   *
   * @param filter - Which jobs, as for {@link findJobs}. An empty filter is refused unless
   * `options` says `{ all: true }`.
   * @param options - `all: true` to accept an empty filter (every job that is not running);
   * `session` (see {@link SessionOptions}).
   * @returns How many jobs were deleted (`done`).
   * @throws InvalidArgumentError for a bad or empty filter, before anything is sent;
   * ConnectionError or DatabaseError when the delete fails.
   *
   * @example
   * ```ts
   * await monque.deleteJobs({ status: 'completed', updatedAt: { to: new Date(Date.now() - 86_400_000) } });
   * ```
   */
  deleteJobs(filter: JobFilter, options?: BulkActionOptions): Promise<BulkActionResult> {
    return this.#bulk('delete', filter, options, (checked, write) =>
      deleteJobs(this.#collection, checked, write),
    );
  }

  /**
   * Initializes (never in the call's session: index builds do not belong in a transaction), then
   * runs a write with the session's driver options, reporting its failure as `could not …: cause`
   * (see {@link asCallError} for the errors kept as they are inside a transaction).
   */
  async #write<R>(
    operation: string,
    session: ClientSession | undefined,
    write: (options: SessionOptions) => Promise<R>,
  ): Promise<R> {
    await this.initialize();
    try {
      return await write(sessionOptions(session));
    } catch (error) {
      throw asCallError(error, operation, session !== undefined);
    }
  }

  /** The checked `session` of a method whose only option it is. */
  #sessionOf(options: unknown): ClientSession | undefined {
    const { session } = readCallOptions(options, ['session']);
    return assertSession(session, this.#db);
  }

  /**
   * A bulk action: checks the filter (an empty one only with `{ all: true }`), runs the action
   * and emits `jobs:bulk` with what it did.
   */
  async #bulk(
    action: BulkAction,
    filter: unknown,
    options: unknown,
    run: (filter: CheckedJobFilter, write: SessionOptions) => Promise<BulkActionResult>,
  ): Promise<BulkActionResult> {
    const { session, rest } = takeSession(options, this.#db);
    const checked = checkBulkFilter(filter, rest);
    const result = await this.#write(`could not ${action} jobs`, session, (write) =>
      run(checked, write),
    );
    this.#events.emit('jobs:bulk', { action, filter: jobFilterOf(checked), ...result });
    return result;
  }

  /**
   * Removes a recurring job's schedule, so that it runs no more; works without `start()`. The job
   * `schedule()` created for `name` and `key`:
   * - when pending, is `cancelled` and no longer recurring (`outcome: 'done'`, `job:cancelled`
   *   emitted here);
   * - when running, is no longer recurring and its running occurrence is cancelled as
   *   {@link cancelJob} does (`outcome: 'requested'`): its handler's `signal` is aborted with a
   *   `JobCancelledError` and the job ends `cancelled`;
   * - when there is none, nothing happens (`outcome: 'not-found'`).
   * Calling `schedule()` again creates a new recurring job.
   *
   * @param name - The job name.
   * @param options - `key` (default: the name), as given to `schedule()`; `session` (see
   * {@link SessionOptions}).
   * @throws InvalidArgumentError for a bad name or key, before anything is sent; ConnectionError
   * or DatabaseError when a write fails.
   *
   * @example
   * ```ts
   * await monque.schedule('0 * * * *', 'cleanup', null);
   * // later: stop the hourly cleanup
   * await monque.unschedule('cleanup');
   * ```
   */
  async unschedule<N extends keyof JobMap & string>(
    name: N,
    options?: UnscheduleOptions,
  ): Promise<JobActionResult> {
    assertJobName(name);
    const { session, rest } = takeSession(options, this.#db);
    const { key } = readCallOptions(rest, ['key']);
    if (key !== undefined) {
      assertUniqueKey(key, 'options.key');
    }
    const result = await this.#write(
      `could not unschedule job ${JSON.stringify(name)}`,
      session,
      (write) =>
        unscheduleJob(this.#collection, name, key ?? name, this.#runtime.clock.now(), write),
    );
    if (result.outcome === 'done') this.#events.emit('job:cancelled', { job: result.job });
    return result;
  }

  /**
   * Pauses one job name, or every name: no instance claims its jobs until {@link resume}. The
   * pause is stored in the control collection (`<collectionName>_control`), so it holds across
   * restarts and reaches every running instance — within about a second through their change
   * streams, within one `pollInterval` without. Jobs already running finish; a claim already on
   * its way when an instance learns of the pause still starts its jobs. Jobs can still be added.
   * Emits `queue:paused` here at once, and on every other instance when it learns of it. Works
   * without `start()`; one upsert.
   *
   * @param name - The job name; without it, every name is paused.
   * @throws InvalidArgumentError for a bad name, before anything is written; ConnectionError or
   * DatabaseError when the write fails.
   *
   * @example
   * ```ts
   * await monque.pause('send-email'); // e.g. while the mail provider is down
   * ```
   */
  async pause<N extends keyof JobMap & string>(name?: N): Promise<void> {
    await this.#writePause(name, true);
  }

  /**
   * Ends a pause of {@link pause}: the jobs of the name (or, without one, of every name not paused
   * on its own) are claimed again on every instance. `resume()` ends the pause of all names;
   * names paused one by one stay paused until resumed by name. Emits `queue:resumed` here at
   * once, and on every other instance when it learns of it. Works without `start()`.
   *
   * @param name - The job name; without it, the pause of all names ends.
   * @throws InvalidArgumentError for a bad name, before anything is written; ConnectionError or
   * DatabaseError when the write fails.
   *
   * @example
   * ```ts
   * await monque.resume('send-email');
   * ```
   */
  async resume<N extends keyof JobMap & string>(name?: N): Promise<void> {
    await this.#writePause(name, false);
  }

  /**
   * Whether a job name is paused (by name, or because all are), as stored in the control
   * collection; without a name, whether all names are paused. Works without `start()`; one read.
   *
   * @param name - The job name; without it, whether all names are paused.
   * @throws InvalidArgumentError for a bad name, before anything is sent; ConnectionError when the
   * read fails.
   *
   * @example
   * ```ts
   * if (await monque.isPaused('send-email')) console.info('mail is paused');
   * ```
   */
  async isPaused<N extends keyof JobMap & string>(name?: N): Promise<boolean> {
    if (name !== undefined) assertJobName(name);
    try {
      return await readPaused(this.#control, name ?? null);
    } catch (error) {
      throw asMonqueError(error, 'could not read the pauses in force');
    }
  }

  async #writePause(name: string | undefined, paused: boolean): Promise<void> {
    if (name !== undefined) assertJobName(name);
    const what = name === undefined ? 'all job names' : `job ${JSON.stringify(name)}`;
    try {
      await writePause(this.#control, name ?? null, paused, new Date());
    } catch (error) {
      throw asMonqueError(error, `could not ${paused ? 'pause' : 'resume'} ${what}`);
    }
    this.#runtime.pauses.set(name ?? null, paused);
  }

  async #initialize(): Promise<void> {
    const { health } = this.#runtime;
    await health.track(assertServerVersion(this.#db), 'ask the server its version');
    await this.#runtime.sampleClock();
    // Not bounded by roundTripTimeout: on a large collection an index build takes as long as it
    // takes, and the server has just answered.
    try {
      await ensureJobIndexes(this.#collection);
    } catch (error) {
      throw asMonqueError(error, 'could not create the job indexes');
    }
    if (this.#options.recoverStaleJobs) {
      await this.#runtime.recoverStale();
    }
  }
}
