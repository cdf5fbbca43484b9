import type { Collection } from 'mongodb';
import { ClaimDispatcher } from '../claim/claim-dispatcher.js';
import {
  type Claimant,
  type ClaimBatch,
  claimJobs,
  findNextFutureRun,
  findNextPendingRun,
} from '../claim/claim-job.js';
import { handBackRound } from '../claim/hand-back-round.js';
import { UnknownRounds } from '../claim/unknown-rounds.js';
import { asMonqueError } from '../classify-error.js';
import { ShutdownTimeoutError } from '../errors.js';
import { recoverStaleJobs, sendHeartbeat } from '../heartbeat/heartbeat-queries.js';
import type { JobDocument } from '../jobs/job.js';
import { DueJobWatcher } from '../notify/due-job-watcher.js';
import type { ResolvedMonqueOptions } from '../options.js';
import { JobRunner } from '../processing/job-runner.js';
import { type JobHandler, WorkerRegistry } from '../workers/worker-registry.js';
import { HealthMonitor } from './health-monitor.js';
import { RepeatingTask } from './repeating-task.js';
import type { MonqueEvents } from './safe-events.js';

/** What a {@link SchedulerRuntime} is built from. */
export interface SchedulerRuntimeOptions {
  readonly collection: Collection<JobDocument>;
  readonly events: MonqueEvents;
  readonly options: ResolvedMonqueOptions;
}

/**
 * Wires the running parts of one instance — workers, claim dispatcher, job runner, heartbeat
 * with stale takeover, and due-job watcher — and drives their start and graceful stop.
 */
export class SchedulerRuntime {
  readonly registry: WorkerRegistry;
  readonly runner: JobRunner;
  readonly health: HealthMonitor;
  readonly #collection: Collection<JobDocument>;
  readonly #events: MonqueEvents;
  readonly #options: ResolvedMonqueOptions;
  readonly #dispatcher: ClaimDispatcher;
  readonly #unknownRounds: UnknownRounds;
  readonly #heartbeat: RepeatingTask;
  readonly #watcher: DueJobWatcher;
  readonly #claimant: Claimant;
  /** The fence (`lockedAt`) of the latest claim round, to keep every round's unique. */
  #lastRoundAt = 0;
  #running = false;

  constructor({ collection, events, options }: SchedulerRuntimeOptions) {
    this.#collection = collection;
    this.#events = events;
    this.#options = options;
    this.health = new HealthMonitor(2 * options.heartbeatInterval, options.roundTripTimeout);
    this.registry = new WorkerRegistry(options.maxConcurrency);
    this.#claimant = {
      instanceId: options.schedulerInstanceId,
      heartbeatInterval: options.heartbeatInterval,
    };
    this.runner = new JobRunner({
      collection,
      events,
      instanceId: options.schedulerInstanceId,
      retry: options,
      maxTakeovers: options.maxTakeovers,
      health: this.health,
      maxOutcomeRetryDelay: options.heartbeatInterval,
      onSettled: (name) => {
        this.registry.release(name);
        this.#dispatcher.kick();
      },
    });
    this.#dispatcher = new ClaimDispatcher({
      registry: this.registry,
      claim: (name, limit) => this.#claimRound(name, limit),
      start: (job) => {
        // The handler is there: a slot is only taken for a registered name, never unregistered.
        this.runner.run(job, this.registry.handlerFor(job.name) as JobHandler);
      },
      onError: (error) => this.reportError(error, 'could not claim jobs'),
    });
    this.#unknownRounds = new UnknownRounds({
      handBack: (round) =>
        this.health.track(
          handBackRound(collection, round),
          `hand back the jobs of a claim round of ${JSON.stringify(round.name)}`,
        ),
      onHandedBack: (name) => this.#dispatcher.request(name),
      onError: (error) => this.reportError(error, 'could not hand back the jobs of a claim round'),
      answerTimeout: this.health.timeout,
    });
    this.#heartbeat = new RepeatingTask({
      interval: options.heartbeatInterval,
      run: () => this.#beat(),
      onError: (error) => this.reportError(error, 'the heartbeat failed'),
    });
    this.#watcher = new DueJobWatcher({
      collection,
      events,
      pollInterval: options.pollInterval,
      backupPollInterval: options.backupPollInterval,
      isRegistered: (name) => this.registry.has(name),
      names: () => this.registry.names,
      request: (name) => this.#dispatcher.request(name),
      requestAll: () => this.#dispatcher.requestAll(),
      nextFutureRun: (name) =>
        this.health.track(
          findNextFutureRun(collection, name),
          `look up the next run of ${JSON.stringify(name)}`,
        ),
      nextPendingRun: (name) =>
        this.health.track(
          findNextPendingRun(collection, name),
          `look for due jobs of ${JSON.stringify(name)}`,
        ),
      onError: (error) => this.reportError(error, 'could not look for due jobs'),
    });
  }

  /** Whether the instance is running (started and not stopping). */
  get running(): boolean {
    return this.#running;
  }

  /** Starts claiming, heartbeats, stale takeover and notifications. Idempotent. */
  start(): void {
    if (this.#running) {
      return;
    }
    this.#running = true;
    this.#heartbeat.start();
    this.#watcher.start();
    this.#dispatcher.activate();
    this.#dispatcher.requestAll();
  }

  /** Registers a worker; while running, its due jobs are claimed at once. */
  addWorker(name: string, handler: JobHandler, concurrency: number, replace: boolean): void {
    this.registry.register(name, handler, concurrency, replace);
    if (this.#running) {
      this.#watcher.watchName(name);
    }
  }

  /**
   * Stops claiming, closes the change stream and waits up to `shutdownTimeout` for running jobs;
   * then aborts the rest, releases their claims and reports them in a `ShutdownTimeoutError`.
   * Resolves once no timer, round trip or stream of the running parts is left. (Calls are
   * serialised by the instance's `Lifecycle`.)
   */
  async stop(): Promise<void> {
    if (!this.#running) {
      return;
    }
    this.#running = false;
    await Promise.all([this.#dispatcher.deactivate(), this.#watcher.stop()]);
    await this.#unknownRounds.drain();
    const timeout = this.#options.shutdownTimeout;
    if (!(await this.runner.waitForAll(timeout))) {
      const error = new ShutdownTimeoutError(this.runner.runningJobs(), timeout);
      await this.runner.abortAndRelease(error);
      this.#events.error(error);
    }
    // Heartbeats go on until here, so a slow job is not taken over during a graceful stop.
    await this.#heartbeat.stop();
  }

  /**
   * Hands jobs whose heartbeat is older than `lockTimeout` and than twice their claimant's
   * heartbeat interval back to pending; emits `stale:recovered` and claims when there were any.
   */
  async recoverStale(): Promise<void> {
    const count = await this.health.track(
      recoverStaleJobs(this.#collection, this.#options.lockTimeout),
      'take over stale jobs',
    );
    if (count > 0) {
      this.#events.emit('stale:recovered', { count });
      this.#dispatcher.requestAll();
    }
  }

  /**
   * Reports an error of the scheduler (`job:error`, or a process warning when nobody listens):
   * Monque's own errors as they are, a database error as a `ConnectionError` (transient) or a
   * `DatabaseError` (permanent) whose message starts with `context`.
   */
  reportError(error: unknown, context: string): void {
    this.#events.error(asMonqueError(error, context));
  }

  /**
   * One claim round for `name`: up to `limit` due jobs, fenced by a `lockedAt` unique to the round.
   * When the round fails after its claiming write went out (its read-back was lost, or it got no
   * answer within the round-trip time limit), what it claimed is unknown: the round is handed
   * back as soon as its claim has answered, so its jobs do not wait for `lockTimeout`.
   */
  async #claimRound(name: string, limit: number): Promise<ClaimBatch> {
    this.#lastRoundAt = Math.max(Date.now(), this.#lastRoundAt + 1);
    const lockedAt = new Date(this.#lastRoundAt);
    let claimSent = false;
    const claim = claimJobs(this.#collection, name, this.#claimant, limit, lockedAt, () => {
      claimSent = true;
    });
    try {
      return await this.health.track(claim, `claim jobs of ${JSON.stringify(name)}`);
    } catch (error) {
      if (claimSent) {
        this.#unknownRounds.add({ name, instanceId: this.#claimant.instanceId, lockedAt }, claim);
      }
      throw error;
    }
  }

  /**
   * Hands back claim rounds whose earlier hand-back failed, confirms the jobs held, then (with
   * `recoverStaleJobs`) takes over stale ones. With no job
   * held the heartbeat write is skipped when the stale recovery's round trip follows anyway (it
   * keeps `isHealthy()` informed); otherwise the empty heartbeat is that round trip.
   */
  async #beat(): Promise<void> {
    await this.#unknownRounds.retry();
    const { recoverStaleJobs, schedulerInstanceId } = this.#options;
    const ids = this.runner.activeIds();
    if (ids.length > 0 || !recoverStaleJobs) {
      await this.health.track(
        sendHeartbeat(this.#collection, schedulerInstanceId, ids),
        'send the heartbeat',
      );
    }
    if (recoverStaleJobs) {
      await this.recoverStale();
    }
  }
}
