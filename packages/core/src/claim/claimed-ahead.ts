import type { JobDocument } from '../jobs/job.js';

/**
 * Jobs claimed ahead of free slots: held by this instance (`processing`, heartbeated like running
 * jobs) but not started, queued per job name in claim order (oldest due first). A job waits here
 * until a slot of its name frees up, or until it is handed back (`stop()`) or found lost (the
 * heartbeat).
 */
export class ClaimedAhead {
  readonly #queues = new Map<string, JobDocument[]>();

  /** How many jobs of `name` wait. */
  count(name: string): number {
    return this.#queues.get(name)?.length ?? 0;
  }

  /** The names that have jobs waiting. */
  get names(): readonly string[] {
    return [...this.#queues.keys()];
  }

  /** Every job waiting, of every name. */
  get jobs(): readonly JobDocument[] {
    return [...this.#queues.values()].flat();
  }

  /** Queues jobs of `name`, after those already waiting. */
  add(name: string, jobs: readonly JobDocument[]): void {
    if (jobs.length === 0) return;
    this.#queues.set(name, [...(this.#queues.get(name) ?? []), ...jobs]);
  }

  /** The oldest job of `name`, removed; `undefined` when none waits. */
  shift(name: string): JobDocument | undefined {
    const queue = this.#queues.get(name);
    const job = queue?.shift();
    if (queue?.length === 0) this.#queues.delete(name);
    return job;
  }

  /** Removes these jobs (the very objects queued), wherever they wait. */
  remove(jobs: Iterable<JobDocument>): void {
    const removed = new Set(jobs);
    for (const [name, queue] of this.#queues) {
      const kept = queue.filter((job) => !removed.has(job));
      if (kept.length === 0) this.#queues.delete(name);
      else this.#queues.set(name, kept);
    }
  }

  /** Removes and returns every job waiting. */
  takeAll(): JobDocument[] {
    const all = [...this.jobs];
    this.#queues.clear();
    return all;
  }
}
