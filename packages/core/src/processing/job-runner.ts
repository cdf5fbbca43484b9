import type { EventEmitter } from 'node:events';
import type { Collection, ObjectId, UpdateFilter } from 'mongodb';
import { claimFence } from '../claim/fence.js';
import { ConnectionError, JobOwnershipLostError } from '../errors.js';
import type { MonqueEventMap } from '../events.js';
import type { Job, JobDocument } from '../jobs/job.js';
import type { HealthMonitor } from '../runtime/health-monitor.js';
import type { JobHandler } from '../workers/worker-registry.js';
import {
  abandonUpdate,
  failureUpdate,
  type RetryPolicy,
  releaseUpdate,
  successUpdate,
  toError,
} from './outcome.js';

/** What a {@link JobRunner} needs from its instance. */
export interface JobRunnerOptions {
  readonly collection: Collection<JobDocument>;
  readonly events: EventEmitter<MonqueEventMap>;
  readonly instanceId: string;
  readonly retry: RetryPolicy;
  readonly health: HealthMonitor;
  /** Called once per job after its handler and outcome write are done (frees its slot). */
  readonly onSettled: (name: string) => void;
}

/** Emits the events of an outcome. */
type Announce = () => void;

const NOTHING: Announce = () => {};

interface ActiveRun {
  readonly job: Job;
  readonly controller: AbortController;
  /** Set when `stop()` released the claim: the handler's late outcome is then not written. */
  released: boolean;
  done: Promise<void>;
}

/**
 * Runs claimed jobs: calls the handler with an AbortSignal, then records the outcome with a write
 * fenced by the claim (`_id`, `processing`, `claimedBy`, `lockedAt`), so an instance that lost
 * the job cannot overwrite it. Emits `job:start`, then `job:complete` or `job:fail` once the
 * write has landed, or `job:error` when it could not.
 */
export class JobRunner {
  readonly #options: JobRunnerOptions;
  readonly #runs = new Set<ActiveRun>();

  constructor(options: JobRunnerOptions) {
    this.#options = options;
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
        this.#options.events.emit('job:error', { error: toError(error), job });
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
      runs.map((run) =>
        this.#write(run.job, releaseUpdate(new Date())).then(
          (announce) => announce(),
          (error: unknown) => {
            this.#options.events.emit('job:error', { error: toError(error), job: run.job });
          },
        ),
      ),
    );
  }

  #settle(run: ActiveRun): void {
    this.#runs.delete(run);
    this.#options.onSettled(run.job.name);
  }

  /** Runs the handler and writes the outcome. @returns What to announce once settled. */
  async #execute(run: ActiveRun, handler: JobHandler): Promise<Announce> {
    const { job } = run;
    this.#options.events.emit('job:start', job);
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
    return failure === undefined
      ? this.#succeed(job, now, now.getTime() - startedAt)
      : this.#fail(job, failure, now);
  }

  async #succeed(job: Job, now: Date, duration: number): Promise<Announce> {
    const { events } = this.#options;
    let update: UpdateFilter<JobDocument>;
    try {
      update = successUpdate(job, now);
    } catch (error) {
      // The stored cron expression cannot be read (edited by hand or written by other software).
      const reason = toError(error);
      return this.#write(job, abandonUpdate(reason.message, now), () =>
        events.emit('job:error', { error: reason, job }),
      );
    }
    return this.#write(job, update, () => events.emit('job:complete', { job, duration }));
  }

  async #fail(job: Job, error: Error, now: Date): Promise<Announce> {
    const { update, willRetry } = failureUpdate(job, error, this.#options.retry, now);
    return this.#write(job, update, () =>
      this.#options.events.emit('job:fail', { job, error, willRetry }),
    );
  }

  /**
   * Writes under the claim's fence.
   *
   * @returns `announce` when the write landed; otherwise an announcement of the lost claim.
   */
  async #write(
    job: Job,
    update: UpdateFilter<JobDocument>,
    announce: Announce = NOTHING,
  ): Promise<Announce> {
    let matched: number;
    try {
      const result = await this.#options.health.track(
        this.#options.collection.updateOne(claimFence(job), update),
      );
      matched = result.matchedCount;
    } catch (error) {
      throw new ConnectionError(`could not record the outcome of job ${job._id.toHexString()}`, {
        cause: error,
      });
    }
    if (matched === 0) {
      const error = new JobOwnershipLostError(job._id, this.#options.instanceId);
      return () => this.#options.events.emit('job:error', { error, job });
    }
    return announce;
  }
}
