import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { BenchHandler, BenchJobData, LibraryInstance, RunInstanceConfig } from './types.js';

/**
 * BullMQ on Redis with its defaults: one queue per job name (BullMQ's unit of work) and one
 * `Worker` per queue with the tested concurrency; `addBulk` where a bulk API is used. Workers are
 * created with `autorun: false` and connected by `setup()`, before any timer.
 */
export function createBullmq(
  redis: { readonly host: string; readonly port: number },
  config: RunInstanceConfig,
): LibraryInstance {
  const connection = { host: redis.host, port: redis.port, maxRetriesPerRequest: null };
  const prefix = `bench-${config.runId}`;
  const queues = new Map(
    config.names.map((name) => [name, new Queue<BenchJobData>(name, { connection, prefix })]),
  );
  const workers: Worker<BenchJobData>[] = [];
  // BullMQ's own clients are wrapped; a client of the same process to the same server makes the
  // same trip (connected by setup()).
  const pinger = new Redis({ host: redis.host, port: redis.port, lazyConnect: true });
  // Set by start(); the workers are created (and connected) by setup(), before any timer.
  const run: { handler: BenchHandler; onComplete: () => void } = {
    handler: () => undefined,
    onComplete: () => undefined,
  };
  let errors = 0;
  const queueOf = (name: string): Queue<BenchJobData> => {
    const queue = queues.get(name);
    if (queue === undefined) {
      throw new Error(`no queue for job name ${name}`);
    }
    return queue;
  };
  const addBulk = async (name: string, jobs: readonly BenchJobData[]): Promise<void> => {
    const queue = queueOf(name);
    for (let start = 0; start < jobs.length; start += 1000) {
      await queue.addBulk(jobs.slice(start, start + 1000).map((data) => ({ name, data })));
    }
  };
  return {
    settings: {
      notify: 'blocking pop (BZPOPMIN on the marker key)',
      concurrency: config.concurrency,
      queues: 'one per job name',
      other: 'defaults',
    },
    async setup() {
      await pinger.connect();
      await Promise.all([...queues.values()].map((queue) => queue.waitUntilReady()));
      for (const name of config.names) {
        const worker = new Worker<BenchJobData>(
          name,
          async (job) => {
            await run.handler(name, job.data);
          },
          { connection, prefix, concurrency: config.concurrency, autorun: false },
        );
        worker.on('completed', () => run.onComplete());
        worker.on('failed', () => {
          errors += 1;
        });
        worker.on('error', () => {
          errors += 1;
        });
        workers.push(worker);
      }
      await Promise.all(workers.map((worker) => worker.waitUntilReady()));
    },
    async enqueue(name, data) {
      await queueOf(name).add(name, data);
    },
    enqueueMany: addBulk,
    seed: addBulk,
    async start(handler: BenchHandler, onComplete) {
      run.handler = handler;
      run.onComplete = onComplete;
      for (const worker of workers) {
        // run() resolves when the worker is closed; its failures surface as 'error' events.
        worker.run().catch(() => {
          errors += 1;
        });
      }
    },
    listening: () => Promise.resolve(),
    async stop() {
      await Promise.all(workers.map((worker) => worker.close()));
    },
    async ping() {
      await pinger.ping();
    },
    async cleanup() {
      await Promise.all([...queues.values()].map((queue) => queue.close()));
      pinger.disconnect();
      const client = new Redis({ host: redis.host, port: redis.port });
      try {
        await client.flushdb();
      } finally {
        client.disconnect();
      }
    },
    get errors() {
      return errors;
    },
  };
}
