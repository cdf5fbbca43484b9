import type { Collection, Document } from 'mongodb';
import { ClaimDispatcher } from '../claim/claim-dispatcher.js';
import {
  type Claimant,
  type ClaimBatch,
  claimJobs,
  findNextFutureRun,
  findNextPendingRun,
} from '../claim/claim-job.js';
import { type ClaimRound, handBackJobs, handBackRound } from '../claim/hand-back-round.js';
import { UnknownRounds } from '../claim/unknown-rounds.js';
import { asMonqueError } from '../classify-error.js';
import { ConnectionError, JobOwnershipLostError, ShutdownTimeoutError } from '../errors.js';
import { claimGroupedJobs } from '../flow/claim-grouped.js';
import type { ControlDocument } from '../flow/control-collection.js';
import { ControlWatcher } from '../flow/control-watcher.js';
import { readPauses } from '../flow/pause-queries.js';
import { PauseState } from '../flow/pause-state.js';
import { RateLimiter } from '../flow/rate-limiter.js';
import {
  type HeldJobState,
  readHeldJobs,
  recoverStaleJobs,
  sendHeartbeat,
} from '../heartbeat/heartbeat-queries.js';
import type { Job, JobDocument } from '../jobs/job.js';
import { DueJobWatcher } from '../notify/due-job-watcher.js';
import type { ResolvedMonqueOptions } from '../options.js';
import type { CancelRequest } from '../processing/cancel-requests.js';
import { JobRunner } from '../processing/job-runner.js';
import { PROGRESS_WRITE_INTERVAL } from '../processing/progress-reporter.js';
import type { Retention } from '../processing/retention.js';
import { type JobHandler, type WorkerFlow, WorkerRegistry } from '../workers/worker-registry.js';
import { DatabaseClock, type MonotonicTime } from './database-clock.js';
import { HealthMonitor } from './health-monitor.js';
import { RepeatingTask } from './repeating-task.js';
import type { MonqueEvents } from './safe-events.js';

/**
 * How often the heartbeat round runs, in ms: every `heartbeatInterval`, or more often when
 * `lockTimeout` is below 3 × `heartbeatInterval` — every (`lockTimeout` − `heartbeatInterval`) / 2 —
 * so that a heartbeat lands well within each lease (`lockTimeout − heartbeatInterval`, see
 * `LeaseWatch`).
 */
export function heartbeatPeriod(options: {
  readonly heartbeatInterval: number;
  readonly lockTimeout: number;
}): number {
  const { heartbeatInterval, lockTimeout } = options;
  return Math.min(heartbeatInterval, (lockTimeout - heartbeatInterval) / 2);
}

/** What a {@link SchedulerRuntime} is built from. */
export interface SchedulerRuntimeOptions {
  readonly collection: Collection<JobDocument>;
  /** The control collection (pauses, rate windows). */
  readonly control: Collection<ControlDocument>;
  readonly events: MonqueEvents;
  readonly options: ResolvedMonqueOptions;
  /** Sends a command to the database (`db.command`), for the clock's `hello`. */
  readonly command: (command: Document) => Promise<Document>;
  /** The monotonic clock leases are measured on. Default `performance.now()`. */
  readonly monotonic?: MonotonicTime;
}

/**
 * Wires the running parts of one instance — workers, claim dispatcher, job runner, heartbeat
 * with stale takeover, and due-job watcher — and drives their start and graceful stop.
 *
 * Every lease and due-time decision is taken on the database's clock: claims, wake timers and
 * outcomes read its estimate (`DatabaseClock`), heartbeats are stamped and staleness judged by the
 * server itself. Each held job's lease is watched (`LeaseWatch` in the runner): the heartbeat
 * round confirms the jobs it refreshed, and a job whose heartbeats cannot be confirmed is given
 * up before another instance may take it over. Cancel requests for held jobs come through the
 * change stream, or, while it is down, from the heartbeat round's read of the held jobs.
 */
export class SchedulerRuntime {
  readonly registry: WorkerRegistry;
  readonly runner: JobRunner;
  readonly health: HealthMonitor;
  /** The database's clock, as this instance estimates it. */
  readonly clock: DatabaseClock;
  /** The pauses in force, as this instance knows them. */
  readonly pauses: PauseState;
  readonly #control: Collection<ControlDocument>;
  readonly #controlWatcher: ControlWatcher;
  readonly #rateLimiter: RateLimiter;
  readonly #collection: Collection<JobDocument>;
  readonly #events: MonqueEvents;
  readonly #options: ResolvedMonqueOptions;
  readonly #dispatcher: ClaimDispatcher;
  readonly #unknownRounds: UnknownRounds;
  readonly #heartbeat: RepeatingTask;
  readonly #watcher: DueJobWatcher;
  readonly #claimant: Claimant;
  readonly #command: (command: Document) => Promise<Document>;
  readonly #monotonic: MonotonicTime;
  /** How long a claim or heartbeat keeps a job held: `lockTimeout − heartbeatInterval`. */
  readonly #leaseSpan: number;
  /**
   * When the lease of each job not yet started last began (on the monotonic clock): its claim's
   * send, or the send of a heartbeat confirmed for it while it was claimed ahead of a free slot.
   */
  readonly #heldSince = new WeakMap<Job, number>();
  /** Cancel requests for jobs claimed ahead, applied when they start. */
  readonly #aheadCancels = new WeakMap<Job, CancelRequest>();
  /** Hand-backs of jobs claimed ahead whose lease ran out while they waited (awaited by `stop()`). */
  readonly #lapsedHandBacks = new Set<Promise<void>>();
  /** The fence (`lockedAt`) of the latest claim round, to keep every round's unique. */
  #lastRoundAt = 0;
  #running = false;

  constructor({
    collection,
    control,
    events,
    options,
    command,
    monotonic = () => performance.now(),
  }: SchedulerRuntimeOptions) {
    this.#collection = collection;
    this.#control = control;
    this.#events = events;
    this.#options = options;
    this.#command = command;
    this.#monotonic = monotonic;
    this.#leaseSpan = options.lockTimeout - options.heartbeatInterval;
    this.clock = new DatabaseClock(monotonic);
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
      onSlotFreed: (name) => {
        this.registry.release(name);
        // A finished job of a group frees its slot: the group's next job may be claimable now
        // (nothing else announces it).
        if (this.registry.groupConcurrencyFor(name) !== undefined) this.#dispatcher.request(name);
        this.#dispatcher.kick();
      },
      retentionFor: (name) => this.registry.retentionOf(name) ?? options.retention,
      maxResultSize: options.maxResultSize,
      progressInterval: PROGRESS_WRITE_INTERVAL,
      now: () => this.clock.now(),
      monotonic,
      leaseSpan: this.#leaseSpan,
      abortGracePeriod: options.abortGracePeriod,
    });
    this.#dispatcher = new ClaimDispatcher({
      registry: this.registry,
      claim: (name, limit) => this.#claimRound(name, limit),
      start: (job) => this.#startJob(job),
      // One fewer than the worker runs at once: none for a worker that runs one job at a time,
      // so it never holds a second job another instance could run now. None either for a name
      // under flow control: a job claimed ahead would hold a group slot, or a start of the rate
      // limit, while it waits, and a paused name claims nothing.
      aheadLimit: (name) =>
        this.pauses.isPaused(name) ||
        this.registry.groupConcurrencyFor(name) !== undefined ||
        this.registry.rateLimitFor(name) !== undefined
          ? 0
          : this.registry.concurrencyOf(name) - 1,
      onError: (error) => this.reportError(error, 'could not claim jobs'),
    });
    this.#unknownRounds = new UnknownRounds({
      handBack: (round) =>
        this.health.track(
          handBackRound(collection, round, this.clock.now()),
          `hand back the jobs of a claim round of ${JSON.stringify(round.name)}`,
        ),
      onHandedBack: (name) => this.#dispatcher.request(name),
      onError: (error) => this.reportError(error, 'could not hand back the jobs of a claim round'),
      answerTimeout: this.health.timeout,
    });
    this.pauses = new PauseState(events, () => this.#dispatcher.requestAll());
    this.#controlWatcher = new ControlWatcher({
      collection: control,
      pollInterval: options.pollInterval,
      backupPollInterval: options.backupPollInterval,
      reload: () => this.readControl(),
      onError: (error) => this.reportError(error, 'could not read the pauses in force'),
    });
    this.#rateLimiter = new RateLimiter({
      collection: control,
      now: () => this.clock.now(),
      onReopen: (name) => this.#dispatcher.request(name),
      track: (operation, what) => this.health.track(operation, what),
    });
    this.#heartbeat = new RepeatingTask({
      interval: heartbeatPeriod(options),
      fixedRate: true,
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
          findNextFutureRun(collection, name, this.clock.now()),
          `look up the next run of ${JSON.stringify(name)}`,
        ),
      nextPendingRun: (name) =>
        this.health.track(
          findNextPendingRun(collection, name),
          `look for due jobs of ${JSON.stringify(name)}`,
        ),
      onError: (error) => this.reportError(error, 'could not look for due jobs'),
      now: () => this.clock.now(),
      cancelRequests: {
        instanceId: options.schedulerInstanceId,
        onRequest: (request) => this.#requestCancel(request),
        onResync: () => {
          void this.#readCancelRequests().catch((error: unknown) =>
            this.reportError(error, 'could not read the cancel requests of the jobs held'),
          );
        },
      },
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
    this.#controlWatcher.start();
    this.#dispatcher.activate();
    this.#dispatcher.requestAll();
  }

  /**
   * Registers a worker (with its own time limit and retention, if it has them); while running,
   * its due jobs are claimed at once.
   */
  addWorker(
    name: string,
    handler: JobHandler,
    concurrency: number,
    replace: boolean,
    timeout?: number,
    retention?: Retention,
    flow?: WorkerFlow,
  ): void {
    this.registry.register(name, handler, concurrency, replace, timeout, retention, flow);
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
    await Promise.all([
      this.#dispatcher.deactivate(),
      this.#watcher.stop(),
      this.#controlWatcher.stop(),
    ]);
    this.#rateLimiter.clear();
    await Promise.all([
      this.#unknownRounds.drain(),
      this.#handBackClaimedAhead(),
      ...this.#lapsedHandBacks,
    ]);
    const timeout = this.#options.shutdownTimeout;
    // Handlers that ignored their signal after their outcome was written hold no claim: they are
    // not waited for, nor released.
    if (!(await this.runner.waitForAll(timeout)) && this.runner.runningJobs().length > 0) {
      const error = new ShutdownTimeoutError(this.runner.runningJobs(), timeout);
      await this.runner.abortAndRelease(error);
      this.#events.error(error);
    }
    // Heartbeats go on until here, so a slow job is not taken over during a graceful stop.
    await this.#heartbeat.stop();
  }

  /**
   * Reads the pauses in force from the control collection and applies them (before `start()`,
   * so a paused name is not claimed; then whenever the control collection changes).
   *
   * @throws The driver's error when the read fails.
   */
  async readControl(): Promise<void> {
    const view = await this.health.track(readPauses(this.#control), 'read the pauses in force');
    this.pauses.apply(view);
  }

  /**
   * Hands jobs whose heartbeat is older than `lockTimeout` and than twice their claimant's
   * heartbeat interval back to pending; emits `stale:recovered` and claims when there were any.
   */
  async recoverStale(): Promise<void> {
    const count = await this.health.track(
      recoverStaleJobs(this.#collection, this.#options.lockTimeout, this.clock.now()),
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
   * Takes a sample of the database's clock (one `hello`); see {@link DatabaseClock}.
   *
   * @throws The driver's error when the round trip fails.
   */
  async sampleClock(): Promise<void> {
    await this.health.track(
      this.clock.sample((command) => this.#command(command)),
      "read the database server's clock",
    );
  }

  /**
   * One claim round for `name`: up to `slots` due jobs (by the database's clock), fenced by a
   * `lockedAt` unique to the round. A paused name claims nothing; a rate-limited one first takes
   * its starts (`RateLimiter`) and claims at most as many jobs, giving back those it did not use. When the round fails after its claiming write went out (its
   * read-back was lost, or it got no answer within the round-trip time limit), what it claimed is
   * unknown: the round is handed back as soon as its claim has answered, so its jobs do not wait
   * for `lockTimeout`. A round whose answer came after its lease had run out (sent more than
   * `lockTimeout − heartbeatInterval` ago: another instance may take its jobs over any moment) is
   * not started: it is handed back too, and reported.
   */
  async #claimRound(name: string, slots: number): Promise<ClaimBatch> {
    if (this.pauses.isPaused(name)) {
      // Claimed again when the name is resumed (`PauseState` asks for every name).
      return { jobs: [], errors: [], more: false };
    }
    const rateLimit = this.registry.rateLimitFor(name);
    if (rateLimit === undefined) return this.#claimUpTo(name, slots, this.#roundFence());
    const { granted, at } = await this.#rateLimiter.take(name, slots, rateLimit);
    if (granted === 0) {
      // Woken when the window has room (see `RateLimiter`).
      return { jobs: [], errors: [], more: false };
    }
    // The jobs' `lockedAt` is the server's time their starts were counted at.
    const lockedAt = this.#roundFence(at);
    const batch = await this.#claimUpTo(name, granted, lockedAt);
    const unused = granted - batch.jobs.length;
    if (unused > 0) {
      await this.#rateLimiter.giveBack(name, unused, at).catch((error: unknown) => {
        this.reportError(error, `could not give back unused starts of ${JSON.stringify(name)}`);
      });
    }
    return batch;
  }

  /**
   * The fence (`lockedAt`) of a new claim round: `at` (default: now, by the database's clock), or
   * 1 ms after the previous round's, so that every round's is unique.
   */
  #roundFence(at: Date = this.clock.now()): Date {
    this.#lastRoundAt = Math.max(at.getTime(), this.#lastRoundAt + 1);
    return new Date(this.#lastRoundAt);
  }

  /** Claims up to `limit` due jobs of `name` under the fence `lockedAt` (see {@link #claimRound}). */
  async #claimUpTo(name: string, limit: number, lockedAt: Date): Promise<ClaimBatch> {
    const round: ClaimRound = { name, instanceId: this.#claimant.instanceId, lockedAt };
    let sentAt: number | undefined;
    const onClaimSent = () => {
      sentAt = this.#monotonic();
    };
    const groupConcurrency = this.registry.groupConcurrencyFor(name);
    const claim =
      groupConcurrency === undefined
        ? claimJobs(this.#collection, name, this.#claimant, limit, lockedAt, onClaimSent)
        : claimGroupedJobs(
            this.#collection,
            name,
            this.#claimant,
            limit,
            groupConcurrency,
            lockedAt,
            onClaimSent,
          );
    let batch: ClaimBatch;
    try {
      batch = await this.health.track(claim, `claim jobs of ${JSON.stringify(name)}`);
    } catch (error) {
      if (sentAt !== undefined) this.#unknownRounds.add(round, claim);
      throw error;
    }
    if (batch.jobs.length === 0 || sentAt === undefined) return batch;
    const took = this.#monotonic() - sentAt;
    if (took >= this.#leaseSpan) {
      this.#unknownRounds.add(round, claim);
      const late = new ConnectionError(
        `could not start the ${batch.jobs.length} job(s) a claim of ${JSON.stringify(name)} ` +
          `took: its answer came after ${Math.round(took)} ms, when its lease (lockTimeout − ` +
          `heartbeatInterval, ${this.#leaseSpan} ms) had run out; they were handed back`,
        { cause: undefined },
      );
      return { jobs: [], errors: [...batch.errors, late], more: true };
    }
    for (const job of batch.jobs) this.#heldSince.set(job, sentAt);
    return batch;
  }

  /**
   * Starts a claimed job in the slot taken for it — unless it waited, claimed ahead, until its
   * lease ran out (no heartbeat confirmed it for `lockTimeout − heartbeatInterval`: another
   * instance may take it over any moment): then it is not run but handed back (fenced), and
   * reported as a `JobOwnershipLostError`.
   *
   * @returns Whether the job was started.
   */
  #startJob(job: JobDocument): boolean {
    const heldSince = this.#heldSince.get(job);
    if (heldSince !== undefined && this.#monotonic() - heldSince >= this.#leaseSpan) {
      this.#events.error(
        new JobOwnershipLostError(
          job._id,
          this.#claimant.instanceId,
          `it waited for a free slot until its lease (lockTimeout − heartbeatInterval, ` +
            `${this.#leaseSpan} ms) ran out unconfirmed, so another instance may take it over; ` +
            'it was not run, and was handed back',
        ),
        job,
      );
      const handBack = this.health
        .track(handBackJobs(this.#collection, [job], this.clock.now()), 'hand back a job')
        .then(
          () => this.#dispatcher.request(job.name),
          (error: unknown) => this.reportError(error, 'could not hand back a job'),
        );
      this.#lapsedHandBacks.add(handBack);
      void handBack.finally(() => this.#lapsedHandBacks.delete(handBack));
      return false;
    }
    const cancel = this.#aheadCancels.get(job);
    // Kept by the runner for the run about to start.
    if (cancel !== undefined) this.runner.requestCancel(cancel);
    // The handler is there: a slot is only taken for a registered name, never unregistered.
    this.runner.run(job, this.registry.handlerFor(job.name) as JobHandler, {
      timeout: job.timeout ?? this.registry.timeoutFor(job.name),
      claimSentAt: heldSince,
    });
    return true;
  }

  /** Hands back (fenced) the jobs claimed ahead and not started, on stop. */
  async #handBackClaimedAhead(): Promise<void> {
    const jobs = this.#dispatcher.takeClaimedAhead();
    if (jobs.length === 0) return;
    try {
      await this.health.track(
        handBackJobs(this.#collection, jobs, this.clock.now()),
        `hand back ${jobs.length} job(s) claimed ahead`,
      );
    } catch (error) {
      this.reportError(
        error,
        `could not hand back ${jobs.length} job(s) claimed ahead and not started; they are ` +
          'taken over once their claim goes stale',
      );
    }
  }

  /**
   * A cancel request for a job this instance holds: applied to its run, or, for a job claimed
   * ahead and not started yet, kept until it starts (then it is cancelled without being run).
   */
  #requestCancel(request: CancelRequest): void {
    const waiting = this.#dispatcher.claimedAhead.find(
      (job) =>
        job._id.equals(request._id) &&
        (request.lockedAt === null || job.lockedAt?.getTime() === request.lockedAt.getTime()),
    );
    if (waiting === undefined) this.runner.requestCancel(request);
    else this.#aheadCancels.set(waiting, request);
  }

  /**
   * Confirms the claims of the jobs held: one heartbeat — and, while the change stream is down,
   * at the same time one read of the held jobs, for their cancel requests. When the heartbeat
   * matched fewer jobs than it was sent for, a read after it tells which are gone. Confirmed jobs'
   * leases run from the heartbeat's send; jobs found no longer held are given up at once; cancel
   * requests found are applied.
   */
  async #confirmHeld(held: readonly Job[]): Promise<void> {
    const { schedulerInstanceId } = this.#options;
    const ids = held.map((job) => job._id);
    const sentAt = this.#monotonic();
    const readHeld = () =>
      this.health.track(
        readHeldJobs(this.#collection, schedulerInstanceId, ids),
        'read the jobs held',
      );
    const polled = held.length > 0 && !this.#watcher.streaming ? readHeld() : undefined;
    const [matched, requests] = await Promise.all([
      this.health.track(
        sendHeartbeat(this.#collection, schedulerInstanceId, ids),
        'send the heartbeat',
      ),
      polled,
    ]);
    if (requests !== undefined) this.#applyCancelRequests(requests);
    if (matched === held.length) {
      this.#confirmLeases(held, sentAt);
      return;
    }
    const states = await readHeld();
    const fences = new Map(states.map((state) => [String(state._id), state.lockedAt?.getTime()]));
    const stillHeld = (job: Job) => fences.get(String(job._id)) === job.lockedAt?.getTime();
    this.#confirmLeases(held.filter(stillHeld), sentAt);
    const lost = held.filter((job) => !stillHeld(job));
    this.runner.loseClaims(lost);
    this.#dispatcher.dropClaimedAhead(lost);
  }

  /** Leases confirmed by a heartbeat sent at `sentAt`: of running jobs and of jobs claimed ahead. */
  #confirmLeases(jobs: readonly Job[], sentAt: number): void {
    this.runner.confirmLeases(jobs, sentAt);
    for (const job of jobs) {
      if (this.#heldSince.has(job)) this.#heldSince.set(job, sentAt);
    }
  }

  /** Reads the cancel requests of the jobs held (after the change stream (re)connected). */
  async #readCancelRequests(): Promise<void> {
    const ids = [
      ...this.runner.activeIds(),
      ...this.#dispatcher.claimedAhead.map((job) => job._id),
    ];
    if (ids.length === 0) return;
    const states = await this.health.track(
      readHeldJobs(this.#collection, this.#options.schedulerInstanceId, ids),
      'read the jobs held',
    );
    this.#applyCancelRequests(states);
  }

  #applyCancelRequests(states: readonly HeldJobState[]): void {
    for (const { _id, lockedAt, cancelRequestedAt, repeatInterval } of states) {
      if (cancelRequestedAt instanceof Date) {
        this.#requestCancel({ _id, lockedAt, repeatInterval });
      }
    }
  }

  /**
   * Hands back claim rounds whose earlier hand-back failed, confirms the jobs held (see
   * `#confirmHeld`), samples the database's clock once a minute, then (with `recoverStaleJobs`)
   * takes over stale ones. With no job held the heartbeat write is skipped when the stale
   * recovery's round trip follows anyway (it keeps `isHealthy()` informed); otherwise the empty
   * heartbeat is that round trip.
   */
  async #beat(): Promise<void> {
    await this.#unknownRounds.retry();
    const { recoverStaleJobs } = this.#options;
    const held = [...this.runner.runningJobs(), ...this.#dispatcher.claimedAhead];
    if (held.length > 0 || !recoverStaleJobs) {
      await this.#confirmHeld(held);
    }
    if (this.clock.needsSample()) {
      await this.sampleClock();
    }
    if (recoverStaleJobs) {
      await this.recoverStale();
    }
  }
}
