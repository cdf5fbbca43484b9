import type { Collection, ObjectId } from 'mongodb';
import { asMonqueError, classifyError } from '../classify-error.js';
import {
  JobCancelledError,
  JobOwnershipLostError,
  type MonqueError,
  TakeoverLimitError,
} from '../errors.js';
import type { Job, JobDocument } from '../jobs/job.js';
import type { JobProgress } from '../jobs/job-progress.js';
import type { MonotonicTime } from '../runtime/database-clock.js';
import type { HealthMonitor } from '../runtime/health-monitor.js';
import type { MonqueEvents } from '../runtime/safe-events.js';
import { sleep } from '../utils/sleep.js';
import type { JobHandler } from '../workers/worker-registry.js';
import { type AttemptRecord, recordAttempt } from './attempt-record.js';
import { cancelledSet } from './cancel-outcome.js';
import { type CancelRequest, CancelRequests } from './cancel-requests.js';
import { startAttempt } from './handler-attempt.js';
import { checkResult } from './job-result.js';
import { LeaseWatch } from './lease-watch.js';
import {
  abandonSet,
  applyOutcome,
  FALLBACK_REASON_LENGTH,
  failureSet,
  finalFailureSet,
  type OutcomeSet,
  type RetryPolicy,
  releaseSet,
  successSet,
  toError,
} from './outcome.js';
import { OutcomeWriter } from './outcome-writer.js';
import { ProgressReporter } from './progress-reporter.js';
import type { Retention } from './retention.js';

/** First wait before an outcome write is tried again, in milliseconds; it doubles each time. */
export const OUTCOME_RETRY_DELAY = 50;

/** What a {@link JobRunner} needs from its instance. */
export interface JobRunnerOptions {
  readonly collection: Collection<JobDocument>;
  readonly events: MonqueEvents;
  readonly instanceId: string;
  readonly retry: RetryPolicy;
  /** How many takeovers a job may have had and still be run (`maxTakeovers`). */
  readonly maxTakeovers: number;
  readonly health: HealthMonitor;
  /**
   * The longest wait between attempts of a failed outcome write (the heartbeat interval: the
   * job stays claimed and heartbeated meanwhile).
   */
  readonly maxOutcomeRetryDelay: number;
  /**
   * Called once per job when its slot is free: once its handler has settled (or, for a job not
   * run, at once) and its outcome write is on its way — the write goes on without the slot.
   */
  readonly onSlotFreed: (name: string) => void;
  /** The time outcomes are written at (the database's clock, as the instance estimates it). */
  readonly now: () => Date;
  /** The clock leases, and the age of early cancel requests, are measured on. */
  readonly monotonic: MonotonicTime;
  /**
   * How long after the send of its last confirmed heartbeat a run gives its job up
   * (`lockTimeout − heartbeatInterval`), in ms; see `LeaseWatch`.
   */
  readonly leaseSpan: number;
  /**
   * How long a handler whose signal was aborted by its timeout or a cancel gets to settle before
   * its attempt is written anyway (`abortGracePeriod`), in ms.
   */
  readonly abortGracePeriod: number;
  /** How long finished jobs of a name are kept (its worker's retention, or the instance's). */
  readonly retentionFor: (name: string) => Retention;
  /** The largest BSON-encoded result stored (`maxResultSize`), in bytes. */
  readonly maxResultSize: number;
  /** The shortest time between two progress writes of one job, in milliseconds. */
  readonly progressInterval: number;
}

/** How a claimed job is run. */
export interface RunOptions {
  /** The job's time limit in ms (its own, or its worker's), or `undefined` for none. */
  readonly timeout?: number;
  /**
   * When the job's lease began, on the `monotonic` clock: its claim's send, or the send of a later
   * heartbeat confirmed for it while it waited for a slot. Default: now.
   */
  readonly claimSentAt?: number;
}

/** Emits the events of an outcome. */
type Announce = () => void;

/** An outcome to write, and what to announce once it has landed (with the job as written). */
interface Outcome {
  readonly set: OutcomeSet;
  readonly announce: (written: Job) => void;
}

const NOTHING: Announce = () => {};

interface ActiveRun {
  readonly job: Job;
  /**
   * The handler's signal: aborted by its timeout, a cancel, a lost lease or `stop()`; also the
   * end of outcome-write retries.
   */
  readonly controller: AbortController;
  /** The handler's `context.progress()`. */
  readonly progress: ProgressReporter;
  /**
   * Set once the run no longer holds the job's claim — released by `stop()`, given up when its
   * lease ran out or its claim was found gone, or its outcome written while its handler still
   * runs: no heartbeat and no outcome write follow.
   */
  released: boolean;
  /** Whether the handler was called and has not settled yet. */
  handlerRunning: boolean;
  /** Whether the run's slot was freed (see `onSlotFreed`). */
  slotFreed: boolean;
  /** Resolves once the handler has settled (at once when it never ran). */
  handlerSettled: Promise<void>;
  /**
   * Set when a cancel request reached the run: the job's cron expression as the request found it
   * (`null` after `unschedule()`); `undefined` while there is none.
   */
  cancelledSchedule: string | null | undefined;
  done: Promise<void>;
}

/**
 * Runs claimed jobs: calls the handler with an AbortSignal and a progress reporter, then records
 * the outcome — with the run's entry in the job's history, its result, its last progress and,
 * for a finished job, its `expireAt` (see `recordAttempt`) — with a write fenced by the claim
 * (`_id`, `processing`, `claimedBy`, `lockedAt`), so an instance that lost the job cannot
 * overwrite it. Emits `job:start`, then `job:complete` or `job:fail` (with the job as written)
 * once the write has landed, or `job:error` with `JobOwnershipLostError` when it matched nothing.
 * A job taken over more than `maxTakeovers` times is not run: it is failed (`job:fail` with a
 * `TakeoverLimitError`). A result that cannot be stored (see `checkResult`) fails the run for
 * good (`job:fail` with a `JobResultError`).
 *
 * The handler's signal tells it when to stop (see `startAttempt`): its time limit elapsed
 * (`JobTimeoutError`: the attempt is failed under the normal retry rules, `job:fail`), the job was
 * cancelled (`JobCancelledError`: written `cancelled`, `job:cancelled`), its lease ran out
 * (`JobOwnershipLostError`: nothing is written, `job:error`), or `stop()` gave up waiting
 * (`ShutdownTimeoutError`: released). After a timeout or a cancel the handler has
 * `abortGracePeriod` to settle; then the outcome is written anyway, and a handler still running
 * keeps its slot until it settles. A job claimed with a cancel request is cancelled without
 * being run. A slot is a handler's: it is freed as the outcome write goes out (the job stays held
 * and heartbeated until the write lands), so the next job starts without waiting for that round
 * trip.
 *
 * A failed outcome write is retried when its error is transient, with capped exponential backoff
 * (50 ms, doubling, at most `maxOutcomeRetryDelay`) while the run keeps its claim and its
 * heartbeat, so the job is not taken over and run again; each failed attempt is reported as
 * `job:error` (`ConnectionError`). The retries end when the write lands, when it matches nothing,
 * or when `stop()` releases the run. A write refused for a permanent reason (a validator, a
 * document over 16 MiB, a bad value) is not retried: it is reported (`DatabaseError`) and
 * replaced by a minimal fenced write — the job's final failure with a short reason naming the
 * refusal (a recurring job: its next occurrence) — announced as `job:fail` without retry. If
 * even that is refused, the run is given up and reported: the job stays claimed until it is
 * taken over.
 */
export class JobRunner {
  readonly #options: JobRunnerOptions;
  readonly #writer: OutcomeWriter;
  readonly #runs = new Set<ActiveRun>();
  readonly #leases: LeaseWatch<ActiveRun>;
  readonly #earlyCancels: CancelRequests;

  constructor(options: JobRunnerOptions) {
    this.#options = options;
    this.#writer = new OutcomeWriter({ collection: options.collection, health: options.health });
    this.#leases = new LeaseWatch({
      span: options.leaseSpan,
      monotonic: options.monotonic,
      onExpired: (runs) => this.#leaseRanOut(runs),
    });
    this.#earlyCancels = new CancelRequests(options.monotonic, options.health.timeout);
  }

  /** How many jobs are running (handler or outcome write not yet finished). */
  get activeCount(): number {
    return this.#runs.size;
  }

  /** The ids of the jobs this instance still holds (for heartbeats). */
  activeIds(): ObjectId[] {
    return this.runningJobs().map((job) => job._id);
  }

  /** Starts a claimed job in the background. Never throws; errors become `job:error`. */
  run(job: Job, handler: JobHandler, options: RunOptions = {}): void {
    const { collection, events, health, progressInterval } = this.#options;
    const run: ActiveRun = {
      job,
      controller: new AbortController(),
      progress: new ProgressReporter(job, {
        collection,
        events,
        health,
        interval: progressInterval,
      }),
      released: false,
      handlerRunning: false,
      slotFreed: false,
      handlerSettled: Promise.resolve(),
      cancelledSchedule: this.#earlyCancels.take(job)?.repeatInterval,
      done: Promise.resolve(),
    };
    this.#runs.add(run);
    this.#leases.hold(run, options.claimSentAt ?? this.#options.monotonic());
    // The run is settled (slot freed, `inFlightCount` lowered) before its outcome is announced,
    // so a listener of the last `job:complete` sees the instance idle — unless its handler ignored
    // its signal: the outcome is announced when written, and the slot freed once it settles.
    run.done = this.#execute(run, handler, options.timeout).then(
      async (announce) => {
        if (run.handlerRunning) {
          this.#letGo(run);
          announce();
          await run.handlerSettled;
        }
        this.#settle(run);
        if (!run.released) announce();
      },
      (error: unknown) => {
        this.#settle(run);
        this.#options.events.error(toError(error), job);
      },
    );
  }

  /**
   * Waits until every running job has finished, or `timeout` milliseconds.
   *
   * @returns `true` when all finished in time.
   */
  async waitForAll(timeout: number): Promise<boolean> {
    if (this.#runs.size === 0) {
      return true;
    }
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeout);
    });
    const finished = Promise.allSettled([...this.#runs].map((run) => run.done)).then(() => true);
    try {
      return await Promise.race([finished, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The jobs still running whose claim this instance holds. */
  runningJobs(): Job[] {
    return [...this.#runs].filter((run) => !run.released).map((run) => run.job);
  }

  /**
   * Aborts the signal of every job still running (with `reason`) and hands its claim back
   * (`pending`, fenced) once its progress write in flight, if any, has answered. Their handlers'
   * later outcomes and progress are not written.
   */
  async abortAndRelease(reason: Error): Promise<void> {
    const runs = [...this.#runs].filter((run) => !run.released);
    for (const run of runs) {
      this.#letGo(run);
      run.controller.abort(reason);
    }
    await Promise.all(
      runs.map(async (run) => {
        await run.progress.finish();
        try {
          const result = await this.#writer.write(run.job, releaseSet(this.#options.now()));
          if (result === 'lost') {
            this.#lost(run.job)();
          }
        } catch (error) {
          this.#options.events.error(
            asMonqueError(error, `could not release job ${run.job._id.toHexString()} on stop`),
            run.job,
          );
        }
      }),
    );
  }

  /**
   * A heartbeat sent at `sentAt` (on the `monotonic` clock) was confirmed by the server for these
   * jobs: their leases run from then.
   */
  confirmLeases(jobs: Iterable<Job>, sentAt: number): void {
    const confirmed = new Set(jobs);
    this.#leases.confirm(
      [...this.#runs].filter((run) => confirmed.has(run.job)),
      sentAt,
    );
  }

  /**
   * The heartbeat found these jobs no longer held by this instance (taken over, or claimed
   * anew): their handlers are aborted with a `JobOwnershipLostError`, reported through
   * `job:error`, and nothing of theirs is written.
   */
  loseClaims(jobs: Iterable<Job>): void {
    const lost = new Set(jobs);
    this.#giveUp(
      [...this.#runs].filter((run) => lost.has(run.job)),
      'the heartbeat found it held by another claim, so it may already run elsewhere; its ' +
        'handler was signalled to stop and its outcome will not be written',
    );
  }

  /**
   * Aborts the handler of the job a cancel request is for (with a `JobCancelledError`), if this
   * instance runs it under the request's claim; a request for a job whose run has not started
   * yet (its claim's answer is still on its way) is kept for a round-trip time limit and applied
   * when it starts.
   */
  requestCancel(request: CancelRequest): void {
    const run = [...this.#runs].find(
      (candidate) =>
        candidate.job._id.equals(request._id) &&
        (request.lockedAt === null ||
          candidate.job.lockedAt?.getTime() === request.lockedAt.getTime()),
    );
    if (run === undefined) {
      this.#earlyCancels.add(request);
      return;
    }
    // Once its handler has settled, the run's outcome is on its way: the request stays on the
    // job, so a retry or the next occurrence is cancelled instead.
    if (run.released || !run.handlerRunning || run.controller.signal.aborted) return;
    run.cancelledSchedule = request.repeatInterval;
    run.controller.abort(new JobCancelledError(run.job._id));
  }

  #settle(run: ActiveRun): void {
    this.#leases.drop(run);
    this.#runs.delete(run);
    this.#freeSlot(run);
  }

  #freeSlot(run: ActiveRun): void {
    if (run.slotFreed) return;
    run.slotFreed = true;
    this.#options.onSlotFreed(run.job.name);
  }

  /** The run no longer holds its job's claim: no heartbeat, no lease, no outcome write. */
  #letGo(run: ActiveRun): void {
    run.released = true;
    this.#leases.drop(run);
  }

  /** The lease of these runs ran out: the ones whose handler still runs give their jobs up. */
  #leaseRanOut(runs: readonly ActiveRun[]): void {
    const { leaseSpan } = this.#options;
    this.#giveUp(
      runs.filter((run) => run.handlerRunning),
      `its heartbeats could not be confirmed for ${leaseSpan} ms (lockTimeout − ` +
        'heartbeatInterval), so another instance may take it over; its handler was signalled to ' +
        'stop and its outcome will not be written',
    );
  }

  /**
   * Gives up the claims of `runs` whose handler still runs: aborts their signals with a
   * `JobOwnershipLostError` saying `why`, and reports it (`job:error`). A run whose handler has
   * settled keeps writing its outcome: that write is fenced, so it lands only if the claim holds.
   */
  #giveUp(runs: readonly ActiveRun[], why: string): void {
    for (const run of runs) {
      if (run.released || !run.handlerRunning) continue;
      this.#letGo(run);
      const error = new JobOwnershipLostError(run.job._id, this.#options.instanceId, why);
      run.controller.abort(error);
      this.#options.events.error(error, run.job);
    }
  }

  /** Runs the handler and writes the outcome. @returns What to announce once settled. */
  async #execute(
    run: ActiveRun,
    handler: JobHandler,
    timeout: number | undefined,
  ): Promise<Announce> {
    const { job } = run;
    const { events, maxTakeovers } = this.#options;
    if (job.cancelRequestedAt instanceof Date || run.cancelledSchedule !== undefined) {
      // Cancelled while it was not running (its owner died or released it), or before its run
      // started: cancel it without running it.
      return this.#record(run, this.#cancelOutcome(run, this.#options.now()));
    }
    const takeovers = job.takeoverCount ?? 0;
    if (takeovers > maxTakeovers) {
      // Every run so far took its instance down: do not run it again.
      const error = new TakeoverLimitError(job._id, takeovers, maxTakeovers);
      const set = this.#withRecord(
        job,
        finalFailureSet(job, error.message, job.failCount + 1, this.#options.now()),
        { outcome: 'failed' },
      );
      return this.#record(run, {
        set,
        announce: (written) => events.emit('job:fail', { job: written, error, willRetry: false }),
      });
    }
    events.emit('job:start', job);
    const startedAt = Date.now();
    run.handlerRunning = true;
    const attempt = startAttempt(handler, job, run.controller, {
      timeout,
      gracePeriod: this.#options.abortGracePeriod,
      progress: (value) => run.progress.report(value),
    });
    run.handlerSettled = attempt.settled.then(() => {
      run.handlerRunning = false;
    });
    const end = await attempt.end;
    const progress = await run.progress.finish();
    if (run.released) {
      return NOTHING;
    }
    const now = this.#options.now();
    if (end.aborted) {
      // A timeout or a cancel: lost leases and stops have released the run.
      if (end.reason instanceof JobCancelledError) {
        return this.#record(run, this.#cancelOutcome(run, now, progress));
      }
      const error = toError(end.reason);
      const { set, willRetry } = failureSet(job, error, this.#options.retry, now);
      return this.#record(run, {
        set: this.#withRecord(job, set, { outcome: 'failed', progress }),
        announce: (written) => events.emit('job:fail', { job: written, error, willRetry }),
      });
    }
    const failure = end.error;
    if (failure !== undefined) {
      const error = failure;
      const { set, willRetry } = failureSet(job, error, this.#options.retry, now);
      return this.#record(run, {
        set: this.#withRecord(job, set, { outcome: 'failed', progress }),
        announce: (written) => events.emit('job:fail', { job: written, error, willRetry }),
      });
    }
    let result: { readonly value: unknown };
    try {
      result = checkResult(end.value, this.#options.maxResultSize, job);
    } catch (error) {
      // The handler ran to its end: running it again would repeat its work for the same value.
      const refused = toError(error);
      const set = finalFailureSet(job, refused.message, job.failCount + 1, now);
      return this.#record(run, {
        set: this.#withRecord(job, { ...set, takeoverCount: 0 }, { outcome: 'failed', progress }),
        announce: (written) =>
          events.emit('job:fail', { job: written, error: refused, willRetry: false }),
      });
    }
    let set: OutcomeSet;
    try {
      set = successSet(job, now);
    } catch (error) {
      // The stored cron expression cannot be read (edited by hand or written by other software).
      const reason = toError(error);
      return this.#record(run, {
        set: this.#withRecord(job, abandonSet(reason.message, now), {
          outcome: 'failed',
          progress,
        }),
        announce: () => events.error(reason, job),
      });
    }
    const duration = now.getTime() - startedAt;
    return this.#record(run, {
      set: this.#withRecord(job, set, { outcome: 'completed', result, progress }),
      announce: (written) => events.emit('job:complete', { job: written, duration }),
    });
  }

  /**
   * `set` with the record of the run it ends (history, last failure, `expireAt` from the
   * retention of the job's worker, result and last progress): see `recordAttempt`.
   */
  #withRecord(job: Job, set: OutcomeSet, record: Omit<AttemptRecord, 'retention'>): OutcomeSet {
    return recordAttempt(job, set, { ...record, retention: this.#options.retentionFor(job.name) });
  }

  /**
   * Writes the outcome under the claim's fence, retrying a transiently failed write (see the
   * class) until it lands, matches nothing, or `stop()` releases the run; a permanently refused
   * one is replaced by the fallback failure once.
   *
   * @returns What to announce: the outcome with the job as written, the lost claim, or nothing.
   */
  async #record(run: ActiveRun, outcome: Outcome): Promise<Announce> {
    const { job, controller } = run;
    // The handler is done (unless it ignores its signal): its slot is free for the next job.
    if (!run.handlerRunning) this.#freeSlot(run);
    const id = job._id.toHexString();
    let current = outcome;
    let fallenBack = false;
    let delay = Math.min(OUTCOME_RETRY_DELAY, this.#options.maxOutcomeRetryDelay);
    for (;;) {
      try {
        const result = await this.#writer.write(job, current.set);
        if (result === 'lost') return this.#lost(job);
        const written = applyOutcome(job, current.set);
        return () => current.announce(written);
      } catch (error) {
        if (classifyError(error) === 'permanent') {
          if (fallenBack) {
            this.#options.events.error(
              asMonqueError(
                error,
                `could not record even the failure of job ${id}; it stays claimed until it is ` +
                  'taken over',
              ),
              job,
            );
            return NOTHING;
          }
          const refused = asMonqueError(
            error,
            `could not record the outcome of job ${id} (${current.set.status})`,
          );
          this.#options.events.error(refused, job);
          current = this.#fallback(job, refused, current.set.failReason);
          fallenBack = true;
          continue;
        }
        this.#options.events.error(
          asMonqueError(
            error,
            `could not record the outcome of job ${id} (retrying in ${delay} ms while the job ` +
              'stays claimed)',
          ),
          job,
        );
      }
      await sleep(delay, controller.signal);
      if (run.released) {
        return NOTHING;
      }
      delay = Math.min(delay * 2, this.#options.maxOutcomeRetryDelay);
    }
  }

  /**
   * The outcome that replaces one the database refused for good: the job's final failure, with a
   * short reason naming the refusal (a recurring job goes on at its next occurrence).
   */
  #fallback(job: Job, refused: MonqueError, failReason: string | null | undefined): Outcome {
    const failure = typeof failReason === 'string' ? `; the run had failed: ${failReason}` : '';
    const set = finalFailureSet(
      job,
      `${refused.message}${failure}`,
      job.failCount + 1,
      this.#options.now(),
      FALLBACK_REASON_LENGTH,
    );
    return {
      set: this.#withRecord(job, set, { outcome: 'failed' }),
      announce: (written) =>
        this.#options.events.emit('job:fail', { job: written, error: refused, willRetry: false }),
    };
  }

  /**
   * The outcome of a cancelled run: `cancelled` (a recurring job: its next occurrence, unless it
   * was unscheduled), announced as `job:cancelled`.
   */
  #cancelOutcome(run: ActiveRun, now: Date, progress?: JobProgress): Outcome {
    const { job } = run;
    const repeatInterval =
      run.cancelledSchedule === undefined ? job.repeatInterval : run.cancelledSchedule;
    const set = cancelledSet({ repeatInterval, timezone: job.timezone }, now);
    return {
      set: this.#withRecord(job, set, { outcome: 'cancelled', progress }),
      announce: (written) => this.#options.events.emit('job:cancelled', { job: written }),
    };
  }

  /** The announcement of a claim this instance no longer holds. */
  #lost(job: Job): Announce {
    const error = new JobOwnershipLostError(job._id, this.#options.instanceId);
    return () => this.#options.events.error(error, job);
  }
}
