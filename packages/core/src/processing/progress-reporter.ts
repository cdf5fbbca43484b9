import { BSON, type Collection } from 'mongodb';
import { claimFence } from '../claim/fence.js';
import { asMonqueError, classifyError } from '../classify-error.js';
import type { Job, JobDocument } from '../jobs/job.js';
import type { JobProgress } from '../jobs/job-progress.js';
import type { HealthMonitor } from '../runtime/health-monitor.js';
import type { MonqueEvents } from '../runtime/safe-events.js';
import { assertProgress } from '../validation/progress.js';

/**
 * The shortest time between two progress writes of one job, in milliseconds: a handler may report
 * as often as it likes, the database sees at most one write per job per second.
 */
export const PROGRESS_WRITE_INTERVAL = 1000;

/** What a {@link ProgressReporter} needs from its instance. */
export interface ProgressReporterOptions {
  readonly collection: Collection<JobDocument>;
  readonly events: MonqueEvents;
  readonly health: HealthMonitor;
  /** The shortest time between two writes, in milliseconds ({@link PROGRESS_WRITE_INTERVAL}). */
  readonly interval: number;
}

/** A copy of a progress document, so that the handler changing its object later changes nothing. */
function copyOf(value: JobProgress): JobProgress {
  if (typeof value === 'number') return value;
  return BSON.deserialize(BSON.serialize({ value })).value as JobProgress;
}

/**
 * The progress of one run (`context.progress()`): checks each value, emits `job:progress` with it
 * at once, and writes the latest value to the job's `progress` under the claim's fence — at once
 * when the last write is at least `interval` ago, otherwise when it is (values reported meanwhile
 * replace each other, so the write carries the newest). One write at a time, so they land in
 * order. A write that fails is reported (`job:error`); after a transient failure the value is
 * written again an interval later. {@link finish} stops the writes and hands the last value to
 * the run's outcome write, so the last value always lands with it. A write that matches nothing
 * (the claim was lost) is left to the outcome write to report.
 */
export class ProgressReporter {
  readonly #job: Job;
  readonly #options: ProgressReporterOptions;
  #latest: JobProgress | undefined;
  #unwritten = false;
  #lastWriteAt = Number.NEGATIVE_INFINITY;
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> | undefined;
  #finished = false;

  constructor(job: Job, options: ProgressReporterOptions) {
    this.#job = job;
    this.#options = options;
  }

  /**
   * Takes a value the handler reported. Ignored once the run is finished.
   *
   * @throws InvalidArgumentError for a value `context.progress()` does not accept.
   */
  report(value: unknown): void {
    assertProgress(value);
    if (this.#finished) return;
    const progress = copyOf(value);
    this.#latest = progress;
    this.#unwritten = true;
    this.#options.events.emit('job:progress', { job: { ...this.#job, progress }, progress });
    this.#schedule();
  }

  /**
   * Stops writing, and resolves once no write is in flight.
   *
   * @returns The last value reported, for the outcome write; `undefined` when there was none.
   */
  async finish(): Promise<JobProgress | undefined> {
    this.#finished = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#writing;
    return this.#latest;
  }

  #schedule(): void {
    if (this.#finished || !this.#unwritten || this.#timer !== undefined) return;
    if (this.#writing !== undefined) return;
    const wait = this.#lastWriteAt + this.#options.interval - Date.now();
    if (wait > 0) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#schedule();
      }, wait);
      return;
    }
    this.#writing = this.#write().finally(() => {
      this.#writing = undefined;
      this.#schedule();
    });
  }

  async #write(): Promise<void> {
    const { collection, events, health } = this.#options;
    const progress = this.#latest;
    this.#unwritten = false;
    this.#lastWriteAt = Date.now();
    const id = this.#job._id.toHexString();
    try {
      await health.track(
        collection.updateOne(claimFence(this.#job), { $set: { progress } }),
        `record the progress of job ${id}`,
      );
    } catch (error) {
      // A later value replaces this one anyway; otherwise try again after a transient failure.
      if (classifyError(error) === 'transient') this.#unwritten = true;
      events.error(asMonqueError(error, `could not record the progress of job ${id}`), this.#job);
    }
  }
}
