import { setTimeout as delay } from 'node:timers/promises';
import { ConnectionError } from '../../../src/errors.js';
import type { Monque } from '../../../src/monque.js';
import type { LogWriter } from '../support/execution-log.js';
import type { LoggedJobData } from '../support/logged-worker.js';
import type { Prng } from './prng.js';

/** The job names of a chaos run, and how many of each a worker process runs at once. */
export const CHAOS_WORKERS = [
  { name: 'chaos', concurrency: 4 },
  { name: 'chaos-unique', concurrency: 2 },
  { name: 'chaos-cron', concurrency: 2 },
] as const;

/** The recurring jobs of a run: every second, and every 2 seconds. */
const CRON_JOBS = [
  { cron: '* * * * * *', uniqueKey: 'every-second', data: { work: 50 } },
  { cron: '*/2 * * * * *', uniqueKey: 'every-2-seconds', data: { work: 400 } },
] as const;

/** How many unique keys the unique jobs share (so that many enqueues meet an active job). */
const UNIQUE_KEYS = 5;
/** Wait before an enqueue that failed is sent again (ms). */
const RETRY_DELAY = 200;

/** The kinds of job the producer adds. */
export type JobKind = 'now' | 'delayed' | 'unique' | 'cron';

/**
 * The producer of a chaos run, in the test's process with a client of its own: it adds jobs
 * 50–250 ms apart — due now, delayed, with a unique key — chosen by its seeded generator, and two
 * recurring jobs at the start. Each job it was told about is logged (`enqueued`, with its id);
 * an enqueue that fails (`enqueue-error`) is sent again until it is acknowledged.
 */
export class ChaosProducer {
  readonly #monque: Monque;
  readonly #prng: Prng;
  readonly #log: LogWriter;
  readonly #lockTimeout: number;
  #stopping = false;
  #loop: Promise<void> | undefined;
  /** Why the producer gave up (an error that is not a transient database error). */
  #failure: unknown;

  constructor(monque: Monque, prng: Prng, log: LogWriter, lockTimeout: number) {
    this.#monque = monque;
    this.#prng = prng;
    this.#log = log;
    this.#lockTimeout = lockTimeout;
  }

  /** Schedules the recurring jobs, then adds jobs until `stop()`. */
  async start(): Promise<void> {
    for (const { cron, uniqueKey, data } of CRON_JOBS) {
      const job = await this.#acknowledged('cron', () =>
        this.#monque.schedule(cron, 'chaos-cron', data, { key: uniqueKey }),
      );
      this.#log.write({ ev: 'enqueued', kind: 'cron', job, name: 'chaos-cron', uniqueKey });
    }
    this.#loop = this.#produce().catch((error: unknown) => {
      this.#failure = error;
      this.#log.write({ ev: 'fatal', kind: 'producer', message: String(error) });
    });
  }

  /** Finishes the enqueue on its way and adds no more; rejects if the producer gave up. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#loop;
    if (this.#failure !== undefined) throw this.#failure;
  }

  async #produce(): Promise<void> {
    while (!this.#stopping) {
      // The producer's pace, drawn from its generator: the load is part of the stimulus.
      await delay(this.#prng.int(50, 250));
      const kind = this.#prng.weighted({ now: 55, delayed: 25, unique: 20 });
      // Mostly short handlers; 30 % outlive lockTimeout (up to twice), so that a lease lost while
      // they run shows.
      const work = this.#prng.chance(0.3)
        ? this.#prng.int(this.#lockTimeout, 2 * this.#lockTimeout)
        : this.#prng.int(20, 500);
      const data: LoggedJobData = {
        work,
        honours: this.#prng.chance(0.9),
        failAttempts: this.#prng.chance(0.1) ? 1 : 0,
      };
      if (kind === 'unique') {
        const uniqueKey = `key-${this.#prng.int(1, UNIQUE_KEYS)}`;
        const job = await this.#acknowledged(kind, () =>
          this.#monque.enqueue('chaos-unique', data, { uniqueKey }).then(({ job }) => job),
        );
        this.#log.write({ ev: 'enqueued', kind, job, name: 'chaos-unique', uniqueKey });
      } else {
        const runAt =
          kind === 'delayed' ? new Date(Date.now() + this.#prng.int(200, 3000)) : undefined;
        const job = await this.#acknowledged(kind, () =>
          this.#monque
            .enqueue('chaos', data, runAt === undefined ? {} : { runAt })
            .then(({ job }) => job),
        );
        this.#log.write({ ev: 'enqueued', kind, job, name: 'chaos', due: runAt?.getTime() });
      }
    }
  }

  /**
   * Runs `enqueue` until it is acknowledged; returns the job's id. Only transient database errors
   * (`ConnectionError`: the outages and fail points of the run) are retried.
   */
  async #acknowledged(
    kind: JobKind,
    enqueue: () => Promise<{ _id: { toHexString(): string } }>,
  ): Promise<string> {
    for (;;) {
      try {
        return (await enqueue())._id.toHexString();
      } catch (error) {
        if (!(error instanceof ConnectionError)) throw error;
        this.#log.write({
          ev: 'enqueue-error',
          kind,
          error: error.name,
          message: error.message.slice(0, 300),
        });
        await delay(RETRY_DELAY);
      }
    }
  }
}
