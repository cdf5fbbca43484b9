import type { Collection, ObjectId } from 'mongodb';
import { asMonqueError, classifyError } from '../classify-error.js';
import { JobOwnershipLostError, type MonqueError, TakeoverLimitError } from '../errors.js';
import type { Job, JobDocument } from '../jobs/job.js';
import type { HealthMonitor } from '../runtime/health-monitor.js';
import type { MonqueEvents } from '../runtime/safe-events.js';
import { sleep } from '../utils/sleep.js';
import type { JobHandler } from '../workers/worker-registry.js';
import { type AttemptRecord, recordAttempt } from './attempt-record.js';
import { checkResult } from './job-result.js';
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
  /** Called once per job after its handler and outcome write are done (frees its slot). */
  readonly onSettled: (name: string) => void;
  /** How long finished jobs of a name are kept (its worker's retention, or the instance's). */
  readonly retentionFor: (name: string) => Retention;
  /** The largest BSON-encoded result stored (`maxResultSize`), in bytes. */
  readonly maxResultSize: number;
  /** The shortest time between two progress writes of one job, in milliseconds. */
  readonly progressInterval: number;
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
  /** The handler's `context.progress()`. */
  readonly progress: ProgressReporter;
  /** Set when `stop()` released the claim: the handler's late outcome is then not written. */
  released: boolean;
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
   * (`pending`, fenced) once its progress write in flight, if any, has answered. Their handlers'
   * later outcomes and progress are not written.
   */
  async abortAndRelease(reason: Error): Promise<void> {
    const runs = [...this.#runs].filter((run) => !run.released);
    for (const run of runs) {
      run.released = true;
      run.controller.abort(reason);
    }
    await Promise.all(
      runs.map(async (run) => {
        await run.progress.finish();
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
      const set = this.#withRecord(
        job,
        finalFailureSet(job, error.message, job.failCount + 1, new Date()),
        { outcome: 'failed' },
      );
      return this.#record(run, {
        set,
        announce: (written) => events.emit('job:fail', { job: written, error, willRetry: false }),
      });
    }
    events.emit('job:start', job);
    const startedAt = Date.now();
    let failure: Error | undefined;
    let returned: unknown;
    try {
      returned = await handler(job, {
        signal: run.controller.signal,
        progress: (value) => run.progress.report(value),
      });
    } catch (error) {
      failure = toError(error);
    }
    const progress = await run.progress.finish();
    if (run.released) {
      return NOTHING;
    }
    const now = new Date();
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
      result = checkResult(returned, this.#options.maxResultSize, job);
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
      set: this.#withRecord(job, set, { outcome: 'failed' }),
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
