import { afterEach, describe, expect, it } from 'vitest';
import { Monque } from '../../../src/monque.js';
import type { ReliabilityContext } from '../support/context.js';
import { checkScenario } from '../support/summary.js';
import { waitForCondition } from '../support/wait.js';
import { type ChildHandle, startWorker, type WorkerConfig } from '../support/worker-process.js';

const JOBS = 1000;
const WORKERS = 4;

interface Execution {
  jobId: string;
  pid: number;
}

/** Scenario 1: 1000 jobs, 4 worker processes with their own Monque and MongoClient. */
export function describeExactlyOnce(context: ReliabilityContext): void {
  describe('1. exactly once across processes', () => {
    const workers: ChildHandle[] = [];

    afterEach(async () => {
      await Promise.all(workers.splice(0).map((worker) => worker.kill()));
    });

    it(`runs ${JOBS} jobs on ${WORKERS} worker processes exactly once each`, async (test) => {
      const { db, uri } = context.database;
      const collectionName = context.collectionName('exactly_once');
      const config: WorkerConfig = {
        uri,
        dbName: db.databaseName,
        collectionName,
        executionsCollection: `${collectionName}_executions`,
        jobName: 'work',
        options: { heartbeatInterval: 500, lockTimeout: 5000, pollInterval: 200 },
        concurrency: 10,
        mode: 'record',
      };
      workers.push(
        ...(await Promise.all(Array.from({ length: WORKERS }, () => startWorker(config)))),
      );

      // The producer only enqueues: it is never started, so it runs nothing itself.
      const producer = new Monque(db, { collectionName });
      const startedAt = Date.now();
      const enqueued = new Set<string>();
      for (let batch = 0; batch < JOBS; batch += 50) {
        const jobs = await Promise.all(
          Array.from({ length: Math.min(50, JOBS - batch) }, (_, i) =>
            producer.enqueue('work', { i: batch + i }),
          ),
        );
        for (const { job } of jobs) enqueued.add(job._id.toHexString());
      }
      expect(enqueued.size).toBe(JOBS);

      let completed = 0;
      await waitForCondition(
        `${JOBS} completed jobs`,
        async () => {
          completed = await producer.collection.countDocuments({ status: 'completed' });
          return completed === JOBS;
        },
        { timeout: 120_000, interval: 250, describe: () => `${completed} completed` },
      );
      const elapsed = Date.now() - startedAt;
      await Promise.all(workers.map((worker) => worker.stop(15_000)));

      const executions = await db
        .collection<Execution>(config.executionsCollection)
        .find({}, { projection: { _id: 0, jobId: 1, pid: 1 } })
        .toArray();
      const runs = new Map<string, number>();
      for (const { jobId } of executions) runs.set(jobId, (runs.get(jobId) ?? 0) + 1);
      const duplicates = [...runs.values()].filter((count) => count > 1).length;
      const lost = [...enqueued].filter((id) => !runs.has(id)).length;
      const completions = new Map<string, number>();
      for (const worker of workers) {
        for (const { jobId } of worker.ofType('complete')) {
          if (jobId !== undefined) completions.set(jobId, (completions.get(jobId) ?? 0) + 1);
        }
      }
      const perWorker = workers.map(
        (worker) => executions.filter((execution) => execution.pid === worker.pid).length,
      );
      const totalJobs = await producer.collection.countDocuments({});
      const completedJobs = await producer.collection.countDocuments({ status: 'completed' });
      await checkScenario(
        test,
        '1 exactly once (4 processes)',
        {
          jobs: JOBS,
          duplicates,
          lost,
          recovery: 'n/a',
          notes: `${elapsed} ms, ${Math.round((JOBS * 1000) / elapsed)} jobs/s, per process ${perWorker.join('/')}`,
        },
        () => {
          expect(workers.flatMap((worker) => worker.fatal)).toEqual([]);
          expect(workers.flatMap((worker) => worker.ofType('error'))).toEqual([]);
          expect(duplicates).toBe(0);
          expect(lost).toBe(0);
          expect(executions).toHaveLength(JOBS);
          expect(new Set(runs.keys())).toEqual(enqueued);
          expect(completions.size).toBe(JOBS);
          expect([...completions.values()].every((count) => count === 1)).toBe(true);
          expect(totalJobs).toBe(JOBS);
          expect(completedJobs).toBe(JOBS);
        },
      );
    }, 180_000);
  });
}
