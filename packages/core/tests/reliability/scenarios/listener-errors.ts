import type { CommandStartedEvent } from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobErrorEvent } from '../../../src/events.js';
import { Monque } from '../../../src/monque.js';
import type { ReliabilityContext } from '../support/context.js';
import { checkScenario } from '../support/summary.js';
import { countWhenReached, waitForCondition } from '../support/wait.js';

const JOBS = 200;

/**
 * Scenario 9: every listener of every event throws — half of them synchronously, half by
 * rejecting — while 200 jobs run (a tenth of them fail once). The listeners change nothing: every
 * job ends as its handler decided, each attempt runs once, the process sees no unhandled
 * rejection, the change stream is opened once, and every listener error is reported.
 */
export function describeListenerErrors(context: ReliabilityContext): void {
  describe('9. listeners that throw', () => {
    const instances: Monque[] = [];
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };

    afterEach(async () => {
      process.off('unhandledRejection', onUnhandled);
      await Promise.all(instances.splice(0).map((monque) => monque.stop()));
    });

    it(`${JOBS} jobs with every listener throwing: fates unchanged, nothing leaked`, async (test) => {
      process.on('unhandledRejection', onUnhandled);
      const collectionName = context.collectionName('listeners');
      const db = await context.separateDb({ monitorCommands: true });
      const streamsOpened: CommandStartedEvent[] = [];
      // The jobs collection's streams (the control collection has one of its own).
      db.client.on('commandStarted', (started) => {
        const [first] = (started.command.pipeline ?? []) as Record<string, unknown>[];
        if (started.command.aggregate !== collectionName) return;
        if (first !== undefined && '$changeStream' in first) streamsOpened.push(started);
      });
      const monque = new Monque(db, {
        collectionName,
        heartbeatInterval: 200,
        // Not about takeovers: a lease that a stalled event loop on a busy machine does not lapse
        // (a lapsed lease would be one more job:error than the scenario counts).
        lockTimeout: 30_000,
        pollInterval: 100,
        baseRetryInterval: 20,
        maxRetries: 2,
        defaultConcurrency: 10,
      });
      instances.push(monque);
      const attempts = new Map<string, number>();
      monque.worker('work', (job) => {
        const id = job._id.toHexString();
        const attempt = (attempts.get(id) ?? 0) + 1;
        attempts.set(id, attempt);
        if ((job.data as { i: number }).i % 10 === 0 && attempt === 1) {
          throw new Error('fails once');
        }
      });
      const reported: JobErrorEvent[] = [];
      monque.on('job:error', (event) => reported.push(event));
      const thrown = new Map<string, number>();
      let async = false;
      for (const event of [
        'job:start',
        'job:complete',
        'job:fail',
        'stale:recovered',
        'changestream:connected',
        'changestream:error',
        'changestream:closed',
        'changestream:fallback',
      ] as const) {
        monque.on(event, () => {
          thrown.set(event, (thrown.get(event) ?? 0) + 1);
          async = !async;
          if (async) return Promise.reject(new Error(`async bug in a ${event} listener`));
          throw new Error(`bug in a ${event} listener`);
        });
      }
      const streamErrors: Error[] = [];
      monque.on('changestream:error', ({ error }) => streamErrors.push(error));

      await monque.start();
      await monque.enqueueMany(
        Array.from({ length: JOBS }, (_, i) => ({ name: 'work', data: { i } })),
      );
      const completed = await countWhenReached(monque.collection, 'completed', JOBS, {
        timeout: 30_000,
      });
      const listenerErrors = (): JobErrorEvent[] =>
        reported.filter(({ error }) => error.name === 'ListenerError');
      const totalThrown = (): number => [...thrown.values()].reduce((sum, count) => sum + count, 0);
      // The rejections of async listeners are reported a few microtasks later.
      await waitForCondition(
        'every listener error reported',
        () => listenerErrors().length >= totalThrown(),
        { timeout: 5000, describe: () => `${listenerErrors().length} of ${totalThrown()}` },
      ).catch(() => undefined);
      const reportedListenerErrors = listenerErrors();
      const throws = totalThrown();
      const expectedAttempts = (id: number): number => (id % 10 === 0 ? 2 : 1);
      const jobs = await monque.collection.find({}).toArray();
      const duplicates = jobs.filter(
        (job) =>
          (attempts.get(job._id.toHexString()) ?? 0) >
          expectedAttempts((job.data as { i: number }).i),
      ).length;
      await checkScenario(
        test,
        '9 every listener throws',
        {
          jobs: JOBS,
          duplicates,
          lost: JOBS - completed,
          recovery: 'n/a',
          notes:
            `${throws} listener throws, ${reportedListenerErrors.length} reported as ` +
            `job:error; ${streamsOpened.length} change stream(s) opened; ` +
            `${unhandled.length} unhandled rejection(s)`,
        },
        () => {
          expect(completed).toBe(JOBS);
          expect(duplicates).toBe(0);
          expect(jobs.every((job) => job.claimedBy === null)).toBe(true);
          expect(thrown.get('job:start')).toBe(JOBS + JOBS / 10);
          expect(thrown.get('job:fail')).toBe(JOBS / 10);
          expect(thrown.get('job:complete')).toBe(JOBS);
          expect(reportedListenerErrors).toHaveLength(throws);
          expect(streamErrors).toEqual([]);
          expect(streamsOpened).toHaveLength(1);
          expect(unhandled).toEqual([]);
        },
      );
    }, 60_000);
  });
}
