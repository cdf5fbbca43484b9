import { afterEach, describe, expect, it } from 'vitest';
import { ShutdownTimeoutError } from '../../../src/errors.js';
import type { JobErrorEvent } from '../../../src/events.js';
import { Monque } from '../../../src/monque.js';
import type { ReliabilityContext } from '../support/context.js';
import { checkScenario } from '../support/summary.js';
import { type Gate, gate, waitForCondition } from '../support/wait.js';

const JOBS = 100;
const SHUTDOWN_TIMEOUT = 500;

/**
 * Scenario 6: stop() with 100 jobs in flight and a short shutdownTimeout. A third of the handlers
 * finish once stop() begins, a third honour the abort signal, a third ignore it and never end in
 * time. Afterwards no job of the instance is left processing.
 */
export function describeShutdown(context: ReliabilityContext): void {
  describe('6. shutdown under load', () => {
    const instances: Monque[] = [];
    const gates: Gate[] = [];

    afterEach(async () => {
      for (const open of gates.splice(0)) open.open();
      await Promise.all(instances.splice(0).map((monque) => monque.stop()));
    });

    it(`stop() with ${JOBS} in-flight jobs leaves none processing`, async (test) => {
      const collectionName = context.collectionName('shutdown');
      const monque = new Monque(await context.separateDb(), {
        collectionName,
        schedulerInstanceId: 'stopping',
        defaultConcurrency: JOBS,
        shutdownTimeout: SHUTDOWN_TIMEOUT,
        heartbeatInterval: 200,
        // Not about takeovers: a lease long enough that an event loop stalled for a second on a
        // busy machine does not make the instance give its jobs up (and take them over itself).
        lockTimeout: 30_000,
        pollInterval: 50,
      });
      instances.push(monque);
      const finishOnStop = gate();
      const neverInTime = gate();
      gates.push(finishOnStop, neverInTime);
      const aborted = new Set<string>();
      const starts = new Map<string, number>();
      monque.worker('work', async (job, { signal }) => {
        const id = job._id.toHexString();
        starts.set(id, (starts.get(id) ?? 0) + 1);
        const kind = (job.data as { i: number }).i % 3;
        if (kind === 0) {
          await finishOnStop.promise;
        } else if (kind === 1) {
          await new Promise<void>((_, reject) => {
            signal.addEventListener('abort', () => {
              aborted.add(job._id.toHexString());
              reject(signal.reason);
            });
          });
        } else {
          await neverInTime.promise;
        }
      });
      const errors: JobErrorEvent[] = [];
      monque.on('job:error', (event) => errors.push(event));
      await monque.start();
      for (let i = 0; i < JOBS; i += 20) {
        await Promise.all(
          Array.from({ length: 20 }, (_, j) => monque.enqueue('work', { i: i + j })),
        );
      }
      await waitForCondition(`${JOBS} jobs in flight`, () => monque.inFlightCount === JOBS, {
        timeout: 20_000,
        describe: () => `${monque.inFlightCount} in flight`,
      });

      const stopAt = Date.now();
      const stopping = monque.stop();
      finishOnStop.open();
      await stopping;
      const stopTook = Date.now() - stopAt;

      const processing = await monque.collection.countDocuments({ status: 'processing' });
      const completed = await monque.collection.countDocuments({ status: 'completed' });
      const pending = await monque.collection.find({ status: 'pending' }).toArray();
      const timeouts = errors.filter(({ error }) => error instanceof ShutdownTimeoutError);
      const unfinished = JOBS - Math.ceil(JOBS / 3);

      // The handlers that ignored the signal end now; their late outcome must not be written.
      neverInTime.open();
      await waitForCondition('the last handlers to return', () => monque.inFlightCount === 0, {
        timeout: 5000,
      });
      const pendingAfter = await monque.collection.countDocuments({ status: 'pending' });
      const timeout = timeouts[0]?.error;
      await checkScenario(
        test,
        `6 stop() with ${JOBS} in flight`,
        {
          jobs: JOBS,
          duplicates: [...starts.values()].filter((count) => count > 1).length,
          lost: JOBS - completed - pending.length,
          recovery: `stop() took ${stopTook} ms (shutdownTimeout ${SHUTDOWN_TIMEOUT} ms)`,
          notes: `${completed} completed, ${pending.length} released to pending, ${aborted.size} aborted`,
        },
        () => {
          expect(starts.size).toBe(JOBS);
          expect([...starts.values()].every((count) => count === 1)).toBe(true);
          expect(processing).toBe(0);
          expect(completed).toBe(Math.ceil(JOBS / 3));
          expect(pending).toHaveLength(unfinished);
          expect(pending.every((job) => job.claimedBy === null && job.failCount === 0)).toBe(true);
          expect(aborted.size).toBe(Math.floor(JOBS / 3) + (JOBS % 3 === 2 ? 1 : 0));
          expect(timeouts).toHaveLength(1);
          expect(timeout).toBeInstanceOf(ShutdownTimeoutError);
          expect((timeout as ShutdownTimeoutError).incompleteJobs).toHaveLength(unfinished);
          expect(errors).toHaveLength(1);
          expect(pendingAfter).toBe(unfinished);
        },
      );
    }, 60_000);
  });
}
