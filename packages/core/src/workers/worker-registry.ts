import { WorkerRegistrationError } from '../errors.js';
import type { Job } from '../jobs/job.js';

/**
 * What a handler receives besides the job.
 *
 * @example
 * ```ts
 * monque.worker('export', async (job, { signal }: JobContext) => {
 *   await exportRows(job.data, { signal });
 * });
 * ```
 */
export interface JobContext {
  /** Aborted when `stop()` gives up waiting for the handler (after `shutdownTimeout`). */
  readonly signal: AbortSignal;
}

/**
 * A function that runs one job. Resolve (or return) for success; throw or reject to fail the job,
 * which is then retried with backoff or marked failed.
 *
 * @typeParam T - The type of the job's `data`.
 *
 * @example
 * ```ts
 * const sendEmail: JobHandler<{ to: string }> = async (job, { signal }) => {
 *   await mailer.send(job.data.to, { signal });
 * };
 * ```
 */
export type JobHandler<T = unknown> = (job: Job<T>, context: JobContext) => Promise<void> | void;

/**
 * Options of `worker()`.
 *
 * @example
 * ```ts
 * monque.worker('resize', resize, { concurrency: 2, replace: true } satisfies WorkerOptions);
 * ```
 */
export interface WorkerOptions {
  /** How many jobs of this name this instance runs at once (integer ≥ 1). Default: `defaultConcurrency`. */
  concurrency?: number;
  /** Replace an already registered worker for the name instead of throwing. Default `false`. */
  replace?: boolean;
}

interface Worker {
  readonly handler: JobHandler;
  readonly concurrency: number;
}

/**
 * The workers of one instance and the slots they hold: a slot is taken before a claim is sent and
 * given back when the claim finds nothing or the job has finished, so the instance never holds
 * more jobs than a worker's `concurrency` (per name) or `maxConcurrency` (in total).
 */
export class WorkerRegistry {
  readonly #workers = new Map<string, Worker>();
  readonly #held = new Map<string, number>();
  readonly #maxConcurrency: number | undefined;
  #totalHeld = 0;

  /** @param maxConcurrency - The instance-wide limit, or `undefined` for none. */
  constructor(maxConcurrency: number | undefined) {
    this.#maxConcurrency = maxConcurrency;
  }

  /**
   * Registers (or, with `replace`, replaces) the worker of a job name. Jobs already running keep
   * their handler; slots already held stay counted.
   *
   * @throws WorkerRegistrationError when the name has a worker and `replace` is false.
   */
  register(name: string, handler: JobHandler, concurrency: number, replace: boolean): void {
    if (!replace && this.#workers.has(name)) {
      throw new WorkerRegistrationError(name, 'duplicate');
    }
    this.#workers.set(name, { handler, concurrency });
  }

  /** Whether a worker is registered for `name`. */
  has(name: string): boolean {
    return this.#workers.has(name);
  }

  /** The handler registered for `name`, if any. */
  handlerFor(name: string): JobHandler | undefined {
    return this.#workers.get(name)?.handler;
  }

  /** The registered job names, in registration order. */
  get names(): readonly string[] {
    return [...this.#workers.keys()];
  }

  /** How many slots are held in total (claims in flight plus running jobs). */
  get heldCount(): number {
    return this.#totalHeld;
  }

  /** Whether a slot is free for `name` (its worker's limit and the instance-wide one). */
  hasFreeSlot(name: string): boolean {
    const worker = this.#workers.get(name);
    if (worker === undefined) {
      return false;
    }
    if (this.#maxConcurrency !== undefined && this.#totalHeld >= this.#maxConcurrency) {
      return false;
    }
    return (this.#held.get(name) ?? 0) < worker.concurrency;
  }

  /** Takes a slot for `name` when one is free. @returns whether a slot was taken. */
  tryReserve(name: string): boolean {
    if (!this.hasFreeSlot(name)) {
      return false;
    }
    this.#held.set(name, (this.#held.get(name) ?? 0) + 1);
    this.#totalHeld += 1;
    return true;
  }

  /** Gives back a slot taken by {@link tryReserve}. */
  release(name: string): void {
    const held = this.#held.get(name) ?? 0;
    if (held <= 0) {
      throw new Error(`internal: no slot held for job name ${JSON.stringify(name)}`);
    }
    if (held === 1) {
      this.#held.delete(name);
    } else {
      this.#held.set(name, held - 1);
    }
    this.#totalHeld -= 1;
  }
}
