import type { CommandStartedEvent } from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobErrorEvent, JobFailEvent } from '../../../src/events.js';
import { Monque } from '../../../src/monque.js';
import type { ReliabilityContext } from '../support/context.js';
import { checkScenario } from '../support/summary.js';
import { countWhenReached } from '../support/wait.js';

const JOBS = 20;

/**
 * Scenario 12: the application's collection validator refuses every completion (status
 * `completed`). Such a write can never succeed: it must not be retried forever (holding its slot
 * and heartbeat), but replaced once by the job's final failure, reported.
 */
export function describePermanentWriteErrors(context: ReliabilityContext): void {
  describe('12. outcome writes refused for good', () => {
    const instances: Monque[] = [];

    afterEach(async () => {
      await Promise.all(instances.splice(0).map((monque) => monque.stop()));
    });

    it('a validator refusing every completion: each job failed once, no retry loop', async (test) => {
      const collectionName = context.collectionName('refused_outcomes');
      await context.database.db.createCollection(collectionName, {
        validator: { status: { $in: ['pending', 'processing', 'failed'] } },
      });
      const db = await context.separateDb({ monitorCommands: true });
      const outcomeWrites: CommandStartedEvent[] = [];
      db.client.on('commandStarted', (event) => {
        const updates = (event.command.updates ?? []) as { u?: { $set?: { status?: string } } }[];
        if (
          event.commandName === 'update' &&
          event.command.update === collectionName &&
          updates.some(({ u }) => u?.$set?.status === 'completed' || u?.$set?.status === 'failed')
        ) {
          outcomeWrites.push(event);
        }
      });
      const monque = new Monque(db, {
        collectionName,
        heartbeatInterval: 200,
        // Not about takeovers: a lease that a stalled event loop on a busy machine does not lapse
        // (a lapsed lease would be one more job:error than the scenario counts).
        lockTimeout: 30_000,
        pollInterval: 100,
        defaultConcurrency: 5,
      });
      instances.push(monque);
      const runs = new Map<string, number>();
      monque.worker('work', (job) => {
        const id = job._id.toHexString();
        runs.set(id, (runs.get(id) ?? 0) + 1);
      });
      const errors: JobErrorEvent[] = [];
      monque.on('job:error', (event) => errors.push(event));
      const failures: JobFailEvent[] = [];
      monque.on('job:fail', (event) => failures.push(event));
      await monque.start();
      const startedAt = Date.now();
      await monque.enqueueMany(
        Array.from({ length: JOBS }, (_, i) => ({ name: 'work', data: { i } })),
      );
      const failed = await countWhenReached(monque.collection, 'failed', JOBS, { timeout: 20_000 });
      const took = Date.now() - startedAt;
      const jobs = await monque.collection.find({}).toArray();
      const written = outcomeWrites.reduce(
        (sum, event) => sum + ((event.command.updates as unknown[] | undefined)?.length ?? 0),
        0,
      );
      await checkScenario(
        test,
        '12 outcome refused by a validator',
        {
          jobs: JOBS,
          duplicates: [...runs.values()].filter((count) => count > 1).length,
          lost: JOBS - failed,
          recovery: `${failed} of ${JOBS} failed ${took} ms after enqueueing`,
          notes:
            `${written} outcome writes for ${JOBS} jobs (refused completion + fallback), ` +
            `${errors.length} job:error, ${failures.length} job:fail, ${monque.inFlightCount} in flight`,
        },
        () => {
          expect(failed).toBe(JOBS);
          expect(written).toBe(2 * JOBS);
          expect(jobs.every((job) => /Document failed validation/.test(job.failReason ?? ''))).toBe(
            true,
          );
          expect(jobs.every((job) => job.claimedBy === null)).toBe(true);
          expect(errors).toHaveLength(JOBS);
          expect(errors.every(({ error }) => error.name === 'DatabaseError')).toBe(true);
          expect(failures).toHaveLength(JOBS);
          expect(failures.every(({ willRetry }) => !willRetry)).toBe(true);
          expect(monque.inFlightCount).toBe(0);
        },
      );
    }, 60_000);
  });
}
