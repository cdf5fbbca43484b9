import { describe, expect, it } from 'vitest';
import { Monque } from '../../../src/monque.js';
import type { ReliabilityContext } from '../support/context.js';
import { checkScenario } from '../support/summary.js';
import { ChildHandle, type WorkerConfig } from '../support/worker-process.js';

const HEARTBEAT_INTERVAL = 200;
const LOCK_TIMEOUT = 1000;
/** The default of `maxTakeovers`. */
const MAX_TAKEOVERS = 2;
/** More worker processes than the limit allows to die, so a missing limit shows. */
const MAX_WORKERS = MAX_TAKEOVERS + 3;

interface Execution {
  jobId: string;
  pid: number;
}

/**
 * Scenario 13: a poison job kills every worker process that runs it (SIGKILL, as out of memory).
 * Worker processes are started one after another. With the default `maxTakeovers` (2) it may
 * take down 3 of them; the next one that claims it fails it (TakeoverLimitError) without running
 * it, and lives on.
 */
export function describePoisonJob(context: ReliabilityContext): void {
  describe('13. a poison job', () => {
    it(`takes down at most ${MAX_TAKEOVERS + 1} worker processes, then is failed`, async (test) => {
      const { db, uri } = context.database;
      const collectionName = context.collectionName('poison');
      const config: WorkerConfig = {
        uri,
        dbName: db.databaseName,
        collectionName,
        executionsCollection: `${collectionName}_executions`,
        jobName: 'poison',
        options: {
          heartbeatInterval: HEARTBEAT_INTERVAL,
          lockTimeout: LOCK_TIMEOUT,
          pollInterval: 100,
        },
        concurrency: 1,
        mode: 'poison',
      };
      const producer = new Monque(db, { collectionName });
      const { job } = await producer.enqueue('poison', null);
      const startedAt = Date.now();
      /** Workers that died by themselves (the poison job killed them). */
      const killed: ChildHandle[] = [];
      /** Workers that neither died nor failed the job within 30 s (killed by the scenario). */
      const stuck: ChildHandle[] = [];
      let survivor: ChildHandle | undefined;
      try {
        while (survivor === undefined && killed.length + stuck.length < MAX_WORKERS) {
          // Not startWorker(): a worker may die before its 'ready' message gets out.
          const worker = new ChildHandle('worker.mjs', {
            MONQUE_WORKER_CONFIG: JSON.stringify(config),
          });
          const failedIt = await worker.waitForMessage('fail', 30_000).then(
            () => true,
            () => false,
          );
          if (failedIt) {
            survivor = worker;
          } else if (
            (await Promise.race([worker.exited, Promise.resolve(undefined)])) !== undefined
          ) {
            killed.push(worker);
          } else {
            await worker.kill();
            stuck.push(worker);
          }
        }
        const took = Date.now() - startedAt;
        const stored = await producer.collection.findOne({ _id: job._id });
        const executions = await db
          .collection<Execution>(config.executionsCollection)
          .find({ jobId: job._id.toHexString() })
          .toArray();
        const fail = survivor?.ofType('fail')[0];
        await survivor?.stop(15_000);
        await checkScenario(
          test,
          '13 poison job (kills its worker)',
          {
            jobs: 1,
            duplicates: Math.max(0, executions.length - (MAX_TAKEOVERS + 1)),
            lost: stored?.status === 'failed' ? 0 : 1,
            recovery: `failed ${took} ms after it was enqueued`,
            notes:
              `${killed.length} worker processes killed by the job, ${stuck.length} stuck, ` +
              `${executions.length} runs; ` +
              `failReason: ${stored?.failReason ?? 'none'}`,
          },
          () => {
            expect(killed).toHaveLength(MAX_TAKEOVERS + 1);
            expect(stuck).toEqual([]);
            expect(executions).toHaveLength(MAX_TAKEOVERS + 1);
            expect(survivor).toBeDefined();
            expect(fail?.error?.name).toBe('TakeoverLimitError');
            expect(fail?.willRetry).toBe(false);
            expect(stored).toMatchObject({
              status: 'failed',
              takeoverCount: MAX_TAKEOVERS + 1,
              claimedBy: null,
            });
            expect(stored?.failReason).toMatch(/was taken over 3 times/);
            expect(survivor?.fatal).toEqual([]);
          },
        );
      } finally {
        await Promise.all(
          [...killed, ...(survivor === undefined ? [] : [survivor])].map((w) => w.kill()),
        );
      }
    }, 120_000);
  });
}
