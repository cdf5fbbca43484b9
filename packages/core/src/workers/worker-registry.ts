import { MonqueError, WorkerRegistrationError } from '../errors.js';
import type { RateLimit } from '../flow/rate-limit.js';
import type { Job } from '../jobs/job.js';
import type { JobProgress } from '../jobs/job-progress.js';
import type { Retention, RetentionOptions } from '../processing/retention.js';

/**
 * What a handler receives besides the job.
 *
 * @example
 * ```ts
 * monque.worker('export', async (job, { signal, progress }: JobContext) => {
 *   progress({ stage: 'export', table: job.data.table });
 *   await exportRows(job.data, { signal });
 *   progress(100);
 * });
 * ```
 */
export interface JobContext {
  /**
   * Aborted when the handler should stop; its `reason` says why: `JobTimeoutError` (the job's
   * `timeout` elapsed), `JobCancelledError` (the job was cancelled, from any instance),
   * `JobOwnershipLostError` (this instance could not confirm its claim and gave the job up before
   * another instance may take it over) or `ShutdownTimeoutError` (`stop()` gave up waiting). Pass
   * it on to what the handler waits for (`fetch`, the `mongodb` driver, timers).
   */
  readonly signal: AbortSignal;
  /**
   * Reports the job's progress: a number from 0 to 100, or a small plain document (at most
   * 1 KiB once BSON-encoded). Emits `job:progress` at once; the job's `progress` field is written
   * under the claim's fence at most once a second (the latest value wins), and the last value
   * lands with the run's outcome. Calls after the handler settled are ignored.
   *
   * @throws InvalidArgumentError (argument `'progress'`) for any other value.
   */
  readonly progress: (value: JobProgress) => void;
}

/**
 * A function that runs one job. Resolve (or return) for success; throw or reject to fail the job,
 * which is then retried with backoff or marked failed. What it returns (or resolves with) is
 * stored as the job's `result` — plain BSON data of at most `maxResultSize` bytes; a handler that
 * returns nothing stores `null`.
 *
 * @typeParam T - The type of the job's `data`.
 * @typeParam R - The type of what it returns.
 *
 * @example
 * ```ts
 * const sendEmail: JobHandler<{ to: string }> = async (job, { signal }) => {
 *   await mailer.send(job.data.to, { signal });
 * };
 * const measure: JobHandler<{ path: string }, { length: number }> = async (job) => {
 *   return { length: job.data.path.length }; // stored as the job's result
 * };
 * ```
 */
export type JobHandler<T = unknown, R = unknown> = (
  job: Job<T>,
  context: JobContext,
) => Promise<R> | R;

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
  /**
   * The time limit of each run of this worker's jobs, in ms (> 0, ≤ 2^31 − 1): when it elapses,
   * the handler's `signal` is aborted with a `JobTimeoutError` and the attempt is failed (normal
   * retry rules). A job's own `timeout` (from `enqueue()` or `schedule()`) wins. Default: none.
   */
  timeout?: number;
  /**
   * How long this worker's finished jobs are kept, per status; the statuses it names replace the
   * instance's `retention` for jobs of this name finished by this instance. Default: the
   * instance's `retention`.
   */
  retention?: RetentionOptions;
  /**
   * The priority given to jobs of this name that this instance adds (`enqueue`, `enqueueMany`,
   * `now`, `schedule`) without a `priority` of their own (an integer from −2^31 to 2^31 − 1). The
   * stored job's priority is what counts: jobs added by an instance without this worker get 0.
   * Default: none (0).
   */
  priority?: number;
  /**
   * At most this many jobs of this name with the same `groupKey` run at once across all
   * instances (integer ≥ 1; 1 runs each group's jobs one at a time, in claim order), enforced by
   * the database. Every instance should give the same value. Jobs without a `groupKey` are not
   * limited. Default: none (no limit per group).
   */
  groupConcurrency?: number;
  /**
   * At most `max` jobs of this name are started (claimed) in any `duration` ms across all
   * instances, counted in a document in the control collection. Every instance should give the
   * same value. Default: none.
   */
  rateLimit?: RateLimit;
}

/** The flow-control settings of a worker (see {@link WorkerOptions}). */
export interface WorkerFlow {
  readonly priority?: number;
  readonly groupConcurrency?: number;
  readonly rateLimit?: RateLimit;
}

interface Worker {
  readonly handler: JobHandler;
  readonly concurrency: number;
  readonly timeout: number | undefined;
  readonly flow: WorkerFlow;
  readonly retention: Retention | undefined;
}

/**
 * The workers of one instance and the slots they hold: a slot is taken before a claim is sent and
 * given back when the claim finds nothing or the job's handler has finished, so the instance
 * never runs more handlers than a worker's `concurrency` (per name) or `maxConcurrency` (in
 * total). (It holds more jobs than that: jobs claimed ahead of free slots, and jobs whose outcome
 * write is on its way.)
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
   * @param timeout - The time limit of each run, in ms, or `undefined` for none.
   * @param flow - Its priority, group concurrency and rate limit, if any.
   * @throws WorkerRegistrationError when the name has a worker and `replace` is false.
   */
  register(
    name: string,
    handler: JobHandler,
    concurrency: number,
    replace: boolean,
    timeout?: number,
    retention?: Retention,
    flow: WorkerFlow = {},
  ): void {
    if (!replace && this.#workers.has(name)) {
      throw new WorkerRegistrationError(name, 'duplicate');
    }
    this.#workers.set(name, { handler, concurrency, timeout, retention, flow });
  }

  /** The default priority of the worker of `name`, if it has one. */
  priorityFor(name: string): number | undefined {
    return this.#workers.get(name)?.flow.priority;
  }

  /** The `groupConcurrency` of the worker of `name`, if it has one. */
  groupConcurrencyFor(name: string): number | undefined {
    return this.#workers.get(name)?.flow.groupConcurrency;
  }

  /** The `rateLimit` of the worker of `name`, if it has one. */
  rateLimitFor(name: string): RateLimit | undefined {
    return this.#workers.get(name)?.flow.rateLimit;
  }

  /** The time limit of the worker of `name`, if it has one. */
  timeoutFor(name: string): number | undefined {
    return this.#workers.get(name)?.timeout;
  }

  /** The concurrency of the worker of `name` (0 when none is registered). */
  concurrencyOf(name: string): number {
    return this.#workers.get(name)?.concurrency ?? 0;
  }

  /** Whether a worker is registered for `name`. */
  has(name: string): boolean {
    return this.#workers.has(name);
  }

  /** The handler registered for `name`, if any. */
  handlerFor(name: string): JobHandler | undefined {
    return this.#workers.get(name)?.handler;
  }

  /** The retention the worker of `name` was registered with, if it has one of its own. */
  retentionOf(name: string): Retention | undefined {
    return this.#workers.get(name)?.retention;
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
    return this.#freeSlots(name) > 0;
  }

  /**
   * Takes up to `max` free slots for `name` at once (its worker's limit and the instance-wide
   * one).
   *
   * @returns How many slots were taken (0 when none is free).
   */
  reserve(name: string, max: number): number {
    const taken = Math.min(this.#freeSlots(name), max);
    if (taken > 0) {
      this.#held.set(name, (this.#held.get(name) ?? 0) + taken);
      this.#totalHeld += taken;
    }
    return taken;
  }

  /** Gives back `count` (default 1) slots taken by {@link reserve}. */
  release(name: string, count = 1): void {
    const held = this.#held.get(name) ?? 0;
    if (held < count) {
      throw new MonqueError(
        `internal: fewer than ${count} slot(s) held for job name ${JSON.stringify(name)}`,
      );
    }
    if (held === count) {
      this.#held.delete(name);
    } else {
      this.#held.set(name, held - count);
    }
    this.#totalHeld -= count;
  }

  #freeSlots(name: string): number {
    const worker = this.#workers.get(name);
    if (worker === undefined) {
      return 0;
    }
    const total =
      this.#maxConcurrency === undefined
        ? Number.POSITIVE_INFINITY
        : this.#maxConcurrency - this.#totalHeld;
    // Never negative: a worker replaced with a lower concurrency may hold more than it allows.
    return Math.max(0, Math.min(worker.concurrency - (this.#held.get(name) ?? 0), total));
  }
}
