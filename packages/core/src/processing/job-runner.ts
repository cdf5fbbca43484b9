import type { Collection, ObjectId } from 'mongodb';
import { asMonqueError } from '../classify-error.js';
import { JobOwnershipLostError } from '../errors.js';
import type { Job, JobDocument } from '../jobs/job.js';
import type { HealthMonitor } from '../runtime/health-monitor.js';
import type { MonqueEvents } from '../runtime/safe-events.js';
import { sleep } from '../utils/sleep.js';
import type { JobHandler } from '../workers/worker-registry.js';
import {
  abandonSet,
  applyOutcome,
  failureSet,
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
 * matched nothing.
 *
 * A failed outcome write is retried with capped exponential backoff (50 ms, doubling, at most
 * `maxOutcomeRetryDelay`) while the run keeps its slot and its heartbeat, so the job is not taken
 * over and run again; each failed attempt is reported as `job:error` (`ConnectionError`). The
 * retries end when the write lands, when it matches nothing, or when `stop()` releases the run.
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
    const { events } = this.#options;
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
      return this.#record(run, set, (written) =>
        events.emit('job:fail', { job: written, error, willRetry }),
      );
    }
    let set: OutcomeSet;
    try {
      set = successSet(job, now);
    } catch (error) {
      // The stored cron expression cannot be read (edited by hand or written by other software).
      const reason = toError(error);
      return this.#record(run, abandonSet(reason.message, now), () => events.error(reason, job));
    }
    const duration = now.getTime() - startedAt;
    return this.#record(run, set, (written) =>
      events.emit('job:complete', { job: written, duration }),
    );
  }

  /**
   * Writes the outcome under the claim's fence, retrying a failed write (see the class) until it
   * lands, matches nothing, or `stop()` releases the run.
   *
   * @returns What to announce: `announce` with the job as written, the lost claim, or nothing.
   */
  async #record(
    run: ActiveRun,
    set: OutcomeSet,
    announce: (written: Job) => void,
  ): Promise<Announce> {
    const { job, controller } = run;
    let delay = Math.min(OUTCOME_RETRY_DELAY, this.#options.maxOutcomeRetryDelay);
    for (;;) {
      try {
        const result = await this.#writer.write(job, set);
        return result === 'landed' ? () => announce(applyOutcome(job, set)) : this.#lost(job);
      } catch (error) {
        this.#options.events.error(
          asMonqueError(
            error,
            `could not record the outcome of job ${job._id.toHexString()} (retrying in ` +
              `${delay} ms while the job stays claimed)`,
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

  /** The announcement of a claim this instance no longer holds. */
  #lost(job: Job): Announce {
    const error = new JobOwnershipLostError(job._id, this.#options.instanceId);
    return () => this.#options.events.error(error, job);
  }
}
