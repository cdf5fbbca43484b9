import type { Collection, ObjectId } from 'mongodb';
import { asMonqueError, classifyError } from '../classify-error.js';
import { JobOwnershipLostError, type MonqueError, TakeoverLimitError } from '../errors.js';
import type { Job, JobDocument } from '../jobs/job.js';
import type { HealthMonitor } from '../runtime/health-monitor.js';
import type { MonqueEvents } from '../runtime/safe-events.js';
import { sleep } from '../utils/sleep.js';
import type { JobHandler } from '../workers/worker-registry.js';
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
  /** Called once per job after its handler and outcome write are done (frees its slot). */
  readonly onSettled: (name: string) => void;
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
  /** Aborted by `stop()`: the handler's signal, and the end of outcome-write retries. */
  readonly controller: AbortController;
  /** Set when `stop()` released the claim: the handler's late outcome is then not written. */
  released: boolean;
  done: Promise<void>;
}

/**
 * Runs claimed jobs: calls the handler with an AbortSignal, then records the outcome with a write
 * fenced by the claim (`_id`, `processing`, `claimedBy`, `lockedAt`), so an instance that lost
 * the job cannot overwrite it. Emits `job:start`, then `job:complete` or `job:fail` (with the job
 * as written) once the write has landed, or `job:error` with `JobOwnershipLostError` when it
 * matched nothing. A job taken over more than `maxTakeovers` times is not run: it is failed
 * (`job:fail` with a `TakeoverLimitError`).
 *
 * A failed outcome write is retried when its error is transient, with capped exponential backoff
 * (50 ms, doubling, at most `maxOutcomeRetryDelay`) while the run keeps its slot and its
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

  constructor(options: JobRunnerOptions) {
    this.#options = options;
    this.#writer = new OutcomeWriter({ collection: options.collection, health: options.health });
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
  run(job: Job, handler: JobHandler): void {
    const run: ActiveRun = {
      job,
      controller: new AbortController(),
      released: false,
      done: Promise.resolve(),
    };
    this.#runs.add(run);
    // The run is settled (slot freed, `inFlightCount` lowered) before its outcome is announced,
    // so a listener of the last `job:complete` sees the instance idle.
    run.done = this.#execute(run, handler).then(
      (announce) => {
        this.#settle(run);
        announce();
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
   * (`pending`, fenced). Their handlers' later outcomes are not written.
   */
  async abortAndRelease(reason: Error): Promise<void> {
    const runs = [...this.#runs].filter((run) => !run.released);
    for (const run of runs) {
      run.released = true;
      run.controller.abort(reason);
    }
    await Promise.all(
      runs.map(async (run) => {
        try {
          const result = await this.#writer.write(run.job, releaseSet(new Date()));
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

  #settle(run: ActiveRun): void {
    this.#runs.delete(run);
    this.#options.onSettled(run.job.name);
  }

  /** Runs the handler and writes the outcome. @returns What to announce once settled. */
  async #execute(run: ActiveRun, handler: JobHandler): Promise<Announce> {
    const { job } = run;
    const { events, maxTakeovers } = this.#options;
    const takeovers = job.takeoverCount ?? 0;
    if (takeovers > maxTakeovers) {
      // Every run so far took its instance down: do not run it again.
      const error = new TakeoverLimitError(job._id, takeovers, maxTakeovers);
      const set = finalFailureSet(job, error.message, job.failCount + 1, new Date());
      return this.#record(run, {
        set,
        announce: (written) => events.emit('job:fail', { job: written, error, willRetry: false }),
      });
    }
    events.emit('job:start', job);
    const startedAt = Date.now();
    let failure: Error | undefined;
    try {
      await handler(job, { signal: run.controller.signal });
    } catch (error) {
      failure = toError(error);
    }
    if (run.released) {
      return NOTHING;
    }
    const now = new Date();
    if (failure !== undefined) {
      const error = failure;
      const { set, willRetry } = failureSet(job, error, this.#options.retry, now);
      return this.#record(run, {
        set,
        announce: (written) => events.emit('job:fail', { job: written, error, willRetry }),
      });
    }
    let set: OutcomeSet;
    try {
      set = successSet(job, now);
    } catch (error) {
      // The stored cron expression cannot be read (edited by hand or written by other software).
      const reason = toError(error);
      return this.#record(run, {
        set: abandonSet(reason.message, now),
        announce: () => events.error(reason, job),
      });
    }
    const duration = now.getTime() - startedAt;
    return this.#record(run, {
      set,
      announce: (written) => events.emit('job:complete', { job: written, duration }),
    });
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
      new Date(),
      FALLBACK_REASON_LENGTH,
    );
    return {
      set,
      announce: (written) =>
        this.#options.events.emit('job:fail', { job: written, error: refused, willRetry: false }),
    };
  }

  /** The announcement of a claim this instance no longer holds. */
  #lost(job: Job): Announce {
    const error = new JobOwnershipLostError(job._id, this.#options.instanceId);
    return () => this.#options.events.error(error, job);
  }
}
