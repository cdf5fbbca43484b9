import { afterEach, describe, expect, it } from 'vitest';
import { Monque } from '../../../src/monque.js';
import type { ReliabilityContext } from '../support/context.js';
import { checkScenario } from '../support/summary.js';
import { waitForCondition } from '../support/wait.js';
import { type ChildHandle, startWorker, type WorkerConfig } from '../support/worker-process.js';

const JOBS = 5;
const HEARTBEAT_INTERVAL = 200;
const LOCK_TIMEOUT = 1000;

interface Execution {
  jobId: string;
  pid: number;
  at: Date;
}

/**
 * Scenario 2: a worker process is SIGKILLed while it holds 5 jobs mid-handler; another process
 * takes them over after `lockTimeout` and runs them. The contract is at-least-once: the killed
 * process's executions count, each job ends completed once.
 */
export function describeCrashTakeover(context: ReliabilityContext): void {
  describe('2. crash of a worker process mid-handler', () => {
    const workers: ChildHandle[] = [];

    afterEach(async () => {
      await Promise.all(workers.splice(0).map((worker) => worker.kill()));
    });

    it('another process takes the 5 held jobs over within lockTimeout + heartbeatInterval', async (test) => {
      const { db, uri } = context.database;
      const collectionName = context.collectionName('crash');
      const base: WorkerConfig = {
        uri,
        dbName: db.databaseName,
        collectionName,
        executionsCollection: `${collectionName}_executions`,
        jobName: 'work',
        options: {
          heartbeatInterval: HEARTBEAT_INTERVAL,
          lockTimeout: LOCK_TIMEOUT,
          pollInterval: 100,
        },
        concurrency: JOBS,
        mode: 'block',
      };
      const victim = await startWorker(base);
      workers.push(victim);
      const producer = new Monque(db, { collectionName });
      const ids = new Set<string>();
      for (let i = 0; i < JOBS; i += 1) {
        ids.add((await producer.enqueue('work', { i })).job._id.toHexString());
      }
      await victim.waitFor(
        `${JOBS} handlers blocked in the victim`,
        () => victim.ofType('started').length === JOBS,
        15_000,
      );
      // Let at least one heartbeat of the victim land, so the takeover is measured from a live claim.
      await waitForCondition(
        'a heartbeat of the victim',
        async () => {
          const held = await producer.collection.find({ status: 'processing' }).toArray();
          const beaten = held.filter(
            (job) => (job.lastHeartbeat?.getTime() ?? 0) > (job.lockedAt?.getTime() ?? 0),
          );
          return beaten.length === JOBS;
        },
        { timeout: 5000 },
      );

      // The rescuer starts while the victim still holds every job, so it has nothing to claim.
      const rescuer = await startWorker({ ...base, mode: 'record' });
      workers.push(rescuer);
      expect(rescuer.ofType('complete')).toHaveLength(0);

      const killedAt = Date.now();
      await victim.kill();
      await rescuer.waitFor(
        `the rescuer to complete the ${JOBS} jobs`,
        () => rescuer.ofType('complete').length >= JOBS,
        LOCK_TIMEOUT * 10,
      );
      const completions = rescuer.ofType('complete');
      const completedAfter =
        Math.max(...completions.map((message) => message.receivedAt)) - killedAt;
      await rescuer.stop(15_000);

      const executions = await db
        .collection<Execution>(base.executionsCollection)
        .find({}, { projection: { _id: 0, jobId: 1, pid: 1, at: 1 } })
        .toArray();
      const byRescuer = executions.filter((execution) => execution.pid === rescuer.pid);
      // Taken over: the last of the 5 handlers started in the rescuer (same machine, same clock).
      const takeover = Math.max(...byRescuer.map((execution) => execution.at.getTime())) - killedAt;
      const byVictim = executions.filter((execution) => execution.pid === victim.pid);
      const jobs = await producer.collection.find({}).toArray();
      const lost = jobs.filter((job) => job.status !== 'completed').length;
      const completedTwice = JOBS - new Set(completions.map((message) => message.jobId)).size;
      await checkScenario(
        test,
        '2 SIGKILL mid-handler',
        {
          jobs: JOBS,
          duplicates: completedTwice,
          lost,
          recovery: `${takeover} ms (bound ${LOCK_TIMEOUT + HEARTBEAT_INTERVAL} ms)`,
          notes:
            `all completed ${completedAfter} ms after the kill; executions: ${byVictim.length} ` +
            `by the killed process + ${byRescuer.length} by the rescuer (at-least-once)`,
        },
        () => {
          expect(rescuer.fatal).toEqual([]);
          expect(rescuer.ofType('error')).toEqual([]);
          expect(rescuer.ofType('recovered').reduce((sum, m) => sum + (m.count ?? 0), 0)).toBe(
            JOBS,
          );
          expect(new Set(byVictim.map((execution) => execution.jobId))).toEqual(ids);
          expect(new Set(byRescuer.map((execution) => execution.jobId))).toEqual(ids);
          expect(byRescuer).toHaveLength(JOBS);
          expect(completions).toHaveLength(JOBS);
          expect(completedTwice).toBe(0);
          expect(lost).toBe(0);
          expect(jobs.every((job) => job.claimedBy === null && job.failCount === 0)).toBe(true);
          expect(takeover).toBeLessThanOrEqual(LOCK_TIMEOUT + HEARTBEAT_INTERVAL);
        },
      );
    }, 60_000);
  });
}
