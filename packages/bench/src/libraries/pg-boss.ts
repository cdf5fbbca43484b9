import { createRequire } from 'node:module';
import pg from 'pg';
import PgBoss from 'pg-boss';
import { until } from '../stats.js';
import { PGBOSS_POLLING_INTERVAL_SECONDS } from './tuning.js';
import type { BenchHandler, BenchJobData, LibraryInstance, RunInstanceConfig } from './types.js';

/** pg-boss's schema (its default). */
const SCHEMA = 'pgboss';

/** The SQL pg-boss sends to complete jobs, from its own plans (to count written outcomes). */
function completeJobsSql(): string {
  const require = createRequire(import.meta.url);
  const plans = require('pg-boss/src/plans.js') as { completeJobs(schema: string): string };
  return plans.completeJobs(SCHEMA);
}

/**
 * One pg-boss per worker process (as in an application): `start()` creates its schema once,
 * before any run. Its queries go through a pool of 10 connections (pg-boss's default `max`) via
 * pg-boss's `db` option, which is how the benchmark sees each completion write land: pg-boss
 * has no per-job completion event.
 */
export class PgBossHost {
  readonly boss: PgBoss;
  readonly #pool: pg.Pool;
  readonly #completeSql = completeJobsSql();
  #onCompleted: (count: number) => void = () => undefined;
  /** Queries sent and not yet answered. */
  #inFlight = 0;
  errors = 0;

  constructor(connectionString: string) {
    this.#pool = new pg.Pool({ connectionString, max: 10, application_name: 'pgboss' });
    this.#pool.on('error', () => {
      this.errors += 1;
    });
    this.boss = new PgBoss({
      schema: SCHEMA,
      db: {
        executeSql: async (text: string, values: unknown[]) => {
          this.#inFlight += 1;
          try {
            const result = await this.#pool.query(text, values);
            if (text === this.#completeSql) {
              this.#onCompleted(Number((result.rows[0] as { count?: unknown } | undefined)?.count));
            }
            return result;
          } finally {
            this.#inFlight -= 1;
          }
        },
      },
    });
    this.boss.on('error', () => {
      this.errors += 1;
    });
  }

  /** Called with the number of jobs each completion write completed. */
  set onCompleted(listener: (count: number) => void) {
    this.#onCompleted = listener;
  }

  /** Whether a query is waiting for its answer. */
  get busy(): boolean {
    return this.#inFlight > 0;
  }

  async start(): Promise<void> {
    await this.boss.start();
  }

  async close(): Promise<void> {
    await this.boss.stop({ graceful: true, wait: true, close: false });
    await this.#pool.end();
  }
}

/**
 * pg-boss 10 on PostgreSQL: one queue per job name; one `work()` per queue whose `batchSize` is
 * the tested concurrency (pg-boss 10 runs a fetched batch at once and has no other concurrency
 * setting), jobs of a batch run concurrently, `pollingIntervalSeconds` 0.5 (its minimum).
 * Queues are created by `setup()`, before any timer.
 */
export function createPgBoss(host: PgBossHost, config: RunInstanceConfig): LibraryInstance {
  const { boss } = host;
  const queueName = (name: string): string => `${config.runId}.${name}`;
  const errorsBefore = host.errors;
  let running = 0;
  const insert = async (name: string, jobs: readonly BenchJobData[]): Promise<void> => {
    for (let start = 0; start < jobs.length; start += 1000) {
      await boss.insert(
        jobs.slice(start, start + 1000).map((data) => ({ name: queueName(name), data })),
      );
    }
  };
  return {
    settings: {
      notify: `polling every ${PGBOSS_POLLING_INTERVAL_SECONDS} s`,
      batchSize: config.concurrency,
      workPerQueue: 1,
      queues: 'one per job name',
      other: 'defaults',
    },
    async setup() {
      for (const name of config.names) {
        await boss.createQueue(queueName(name));
      }
    },
    async enqueue(name, data) {
      await boss.send(queueName(name), { ...data });
    },
    enqueueMany: insert,
    seed: insert,
    async start(handler: BenchHandler, onComplete) {
      host.onCompleted = (count) => {
        for (let index = 0; index < count; index += 1) {
          onComplete();
        }
      };
      for (const name of config.names) {
        await boss.work<BenchJobData>(
          queueName(name),
          {
            batchSize: config.concurrency,
            pollingIntervalSeconds: PGBOSS_POLLING_INTERVAL_SECONDS,
          },
          async (jobs) => {
            running += 1;
            try {
              await Promise.all(jobs.map((job) => handler(name, job.data)));
            } finally {
              running -= 1;
            }
          },
        );
      }
    },
    listening: () => Promise.resolve(),
    async stop() {
      for (const name of config.names) {
        await boss.offWork(queueName(name));
      }
      // offWork() returns at once; a fetch already sent still runs its jobs and completes them.
      // The queues are deleted only after that (cleanup), so wait for it to finish.
      await until(() => !host.busy && running === 0);
    },
    async ping() {
      await boss.getDb().executeSql('SELECT 1', []);
    },
    async cleanup() {
      host.onCompleted = () => undefined;
      for (const name of config.names) {
        // pg-boss 10's deleteQueue fails while its partition still holds jobs (a deferred
        // foreign key check), so the jobs go first.
        await boss
          .getDb()
          .executeSql(`DELETE FROM ${SCHEMA}.job WHERE name = $1`, [queueName(name)]);
        await boss.deleteQueue(queueName(name));
      }
    },
    get errors() {
      return host.errors - errorsBefore;
    },
  };
}
