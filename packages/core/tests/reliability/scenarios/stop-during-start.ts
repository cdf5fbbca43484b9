import { describe, expect, it } from 'vitest';
import { Monque } from '../../../src/monque.js';
import type { ReliabilityContext } from '../support/context.js';
import { checkScenario } from '../support/summary.js';
import { ChildHandle } from '../support/worker-process.js';

/** When `stop()` is called after `start()`: -1 is the same tick (a SIGTERM during start-up). */
const DELAYS = [-1, 0, 1, 5, 20];
const JOBS = 20;

interface Round {
  delay: number;
  startSettled: string;
  runsAfterStop: number;
  healthy: boolean;
}

/**
 * Scenario 10: a process calls `stop()` while `start()` is still on its way (in the same tick,
 * then after 0–20 ms), then closes its client and does nothing else. Every stop must win — no job
 * is run after it — and the process must exit by itself: no timer or socket of Monque is left.
 */
export function describeStopDuringStart(context: ReliabilityContext): void {
  describe('10. stop() during start()', () => {
    it('every stop wins and the process exits by itself', async (test) => {
      const { db, uri } = context.database;
      const collectionName = context.collectionName('stop_during_start');
      const producer = new Monque(db, { collectionName });
      await producer.enqueueMany(
        Array.from({ length: JOBS }, (_, i) => ({ name: 'work', data: { i } })),
      );
      const child = new ChildHandle('stop-during-start.mjs', {
        MONQUE_STOP_CONFIG: JSON.stringify({
          uri,
          dbName: db.databaseName,
          collectionName,
          delays: DELAYS,
        }),
      });
      let exit: { code: number | null; signal: string | null } | 'kept alive';
      let exitedAfter: number | undefined;
      let rounds: Round[] = [];
      try {
        const result = await child.waitForMessage('result', 30_000);
        rounds = result.rounds as Round[];
        const closedAt = result.receivedAt;
        const timer = new Promise<'kept alive'>((resolve) => {
          setTimeout(() => resolve('kept alive'), 10_000).unref();
        });
        exit = await Promise.race([child.exited, timer]);
        if (exit !== 'kept alive') exitedAfter = Date.now() - closedAt;
      } finally {
        await child.kill();
      }
      const processing = await producer.collection.countDocuments({ status: 'processing' });
      const runsAfterStop = rounds.reduce((sum, round) => sum + round.runsAfterStop, 0);
      await checkScenario(
        test,
        '10 stop() during start()',
        {
          jobs: JOBS,
          duplicates: runsAfterStop,
          lost: processing,
          recovery:
            exit === 'kept alive'
              ? 'process NOT exited 10 s after client.close()'
              : `process exited ${exitedAfter} ms after client.close()`,
          notes: rounds
            .map(
              (round) =>
                `stop after ${round.delay < 0 ? 'same tick' : `${round.delay} ms`}: start ${round.startSettled}`,
            )
            .join('; '),
        },
        () => {
          expect(child.fatal).toEqual([]);
          expect(rounds.map((round) => round.delay)).toEqual(DELAYS);
          expect(rounds.every((round) => round.startSettled === 'resolved')).toBe(true);
          expect(rounds.every((round) => !round.healthy)).toBe(true);
          expect(runsAfterStop).toBe(0);
          expect(processing).toBe(0);
          expect(exit).toEqual({ code: 0, signal: null });
        },
      );
    }, 60_000);
  });
}
