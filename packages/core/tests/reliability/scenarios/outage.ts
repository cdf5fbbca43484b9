import { MongoEmulator } from '@monque/mongo-emulator';
import { MongoClient } from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionError } from '../../../src/errors.js';
import type { JobErrorEvent } from '../../../src/events.js';
import { Monque } from '../../../src/monque.js';
import type { ReliabilityContext } from '../support/context.js';
import { checkScenario, skipScenario } from '../support/summary.js';
import { waitForCondition } from '../support/wait.js';

const JOBS = 300;
const HEARTBEAT_INTERVAL = 500;

/**
 * Scenario 3: the database goes away for 5 s mid-run and comes back on the same address with its
 * data. Needs a server this test can stop: a dedicated emulator. Against MONGODB_URI (a server it
 * cannot stop) the scenario is skipped with that reason (see README.md for the manual variant).
 */
export function describeOutage(context: ReliabilityContext): void {
  describe('3. database outage', () => {
    const cleanups: (() => Promise<void>)[] = [];

    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    // 5 s: the change stream's reconnects bridge it. 9 s: they run out (3 reconnects with a 1 s
    // server selection timeout each), the instance falls back to polling, and must later recover.
    for (const OUTAGE_MS of [5000, 9000]) {
      it(`survives a ${OUTAGE_MS / 1000} s outage: healthy again, change stream back, all jobs completed`, async (test) => {
        const scenario = `3 database outage ${OUTAGE_MS / 1000} s`;
        if (context.database.substrate === 'MONGODB_URI') {
          skipScenario(
            test,
            scenario,
            'MONGODB_URI points at a server this test cannot stop and restart (see ' +
              'tests/reliability/README.md for the manual variant)',
          );
        }
        let emulator = await MongoEmulator.start({ port: 0, replicaSet: 'rs0' });
        const port = emulator.port;
        const uri = emulator.uri;
        cleanups.push(async () => {
          await emulator.stop();
          MongoEmulator.discardData(port);
        });

        const unhandled: unknown[] = [];
        const onUnhandled = (reason: unknown): void => {
          unhandled.push(reason);
        };
        process.on('unhandledRejection', onUnhandled);
        cleanups.push(async () => {
          process.off('unhandledRejection', onUnhandled);
        });

        // Short server selection, so operations fail during the outage instead of waiting 30 s.
        const client = await new MongoClient(uri, {
          serverSelectionTimeoutMS: 1000,
          heartbeatFrequencyMS: 500,
        }).connect();
        cleanups.push(() => client.close());
        const db = client.db(`${context.database.db.databaseName}_outage`);
        const monque = new Monque(db, {
          heartbeatInterval: HEARTBEAT_INTERVAL,
          lockTimeout: 4 * HEARTBEAT_INTERVAL,
          pollInterval: 200,
          defaultConcurrency: 5,
        });
        cleanups.push(() => monque.stop());

        const executions = new Map<string, number>();
        monque.worker('work', async (job) => {
          const id = job._id.toHexString();
          executions.set(id, (executions.get(id) ?? 0) + 1);
          await new Promise((resolve) => setTimeout(resolve, 20));
        });
        const errors: JobErrorEvent[] = [];
        monque.on('job:error', (event) => errors.push(event));
        const streamEvents: { event: string; at: number }[] = [];
        for (const event of [
          'changestream:connected',
          'changestream:error',
          'changestream:closed',
          'changestream:fallback',
        ] as const) {
          monque.on(event, () => streamEvents.push({ event, at: Date.now() }));
        }

        await monque.start();
        const ids = new Set<string>();
        for (let i = 0; i < JOBS; i += 30) {
          const batch = await Promise.all(
            Array.from({ length: 30 }, (_, j) => monque.enqueue('work', { i: i + j })),
          );
          for (const { job } of batch) ids.add(job._id.toHexString());
        }
        await waitForCondition(
          'the change stream to connect',
          () => streamEvents.some(({ event }) => event === 'changestream:connected'),
          { timeout: 10_000 },
        );
        await waitForCondition('30 executions before the outage', () => executions.size >= 30, {
          timeout: 20_000,
        });
        expect(monque.isHealthy()).toBe(true);

        const connections = (): number =>
          streamEvents.filter(({ event }) => event === 'changestream:connected').length;
        const stoppedAt = Date.now();
        await emulator.stop();
        await waitForCondition('isHealthy() to turn false', () => !monque.isHealthy(), {
          timeout: OUTAGE_MS - 500,
        });
        const unhealthyAfter = Date.now() - stoppedAt;
        const enqueueDuringOutage = await monque.enqueue('work', { during: 'outage' }).then(
          () => 'resolved',
          (error: unknown) => error,
        );
        // The outage itself: the server is away for OUTAGE_MS in total.
        await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS - (Date.now() - stoppedAt)));
        const healthyDuringOutage = monque.isHealthy();
        const errorsDuringOutage = errors.length;
        emulator = await MongoEmulator.start({ port, replicaSet: 'rs0' });
        const restartedAt = Date.now();
        const connectedBefore = connections();
        await waitForCondition('isHealthy() to turn true', () => monque.isHealthy(), {
          timeout: 30_000,
        });
        const healthyAfter = Date.now() - restartedAt;
        let recovery = `unhealthy ${unhealthyAfter} ms after stop; healthy ${healthyAfter} ms after restart`;

        let completed = 0;
        await waitForCondition(
          `all ${JOBS} jobs completed`,
          async () => {
            completed = await monque.collection.countDocuments({ status: 'completed' });
            return completed === JOBS;
          },
          { timeout: 60_000, interval: 200, describe: () => `${completed} completed` },
        );
        // The change stream must be back (resumed, or reopened after a fallback to polling).
        const streamBackAfter = await waitForCondition(
          'the change stream to connect again after the restart',
          () => connections() > connectedBefore,
          { timeout: 15_000 },
        ).then(
          () => Date.now() - restartedAt,
          () => undefined,
        );
        recovery += `, change stream ${streamBackAfter === undefined ? 'NOT back after 15 s' : `back ${streamBackAfter} ms after restart`}`;
        const duplicates = [...executions.values()].filter((count) => count > 1).length;
        const lost = [...ids].filter((id) => !executions.has(id)).length;
        const eventList = streamEvents.map(({ event }) => event.replace('changestream:', ''));
        const stored = await monque.collection.countDocuments({});
        await checkScenario(
          test,
          scenario,
          {
            jobs: JOBS,
            duplicates,
            lost,
            recovery,
            notes:
              `${errors.length} job:error, stream events ${eventList.join(',')}; ` +
              're-executions are at-least-once (outcome writes lost in the outage)',
          },
          () => {
            expect(healthyDuringOutage).toBe(false);
            expect(errorsDuringOutage).toBeGreaterThan(0);
            expect(healthyAfter).toBeLessThanOrEqual(2 * HEARTBEAT_INTERVAL);
            if (OUTAGE_MS > 5000) {
              // This run is meant to exercise the fallback; without it, it proves nothing more.
              expect(eventList).toContain('fallback');
            }
            expect(streamBackAfter, `change stream events: ${eventList.join(', ')}`).toBeDefined();
            expect(unhandled).toEqual([]);
            expect(lost).toBe(0);
            expect(completed).toBe(JOBS);
            // The enqueue that failed during the outage wrote nothing.
            expect(stored).toBe(JOBS);
            expect(enqueueDuringOutage).toBeInstanceOf(ConnectionError);
            expect(errors.every(({ error }) => error instanceof Error)).toBe(true);
            expect(errors.some(({ error }) => error instanceof ConnectionError)).toBe(true);
          },
        );
      }, 120_000);
    }
  });
}
