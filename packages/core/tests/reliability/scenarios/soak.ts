import { describe, expect, it } from 'vitest';
import type { ReliabilityContext } from '../support/context.js';
import { checkScenario } from '../support/summary.js';
import { ChildHandle } from '../support/worker-process.js';

/** The soak's duration in seconds: env MONQUE_SOAK_SECONDS, default 60. */
function soakSeconds(): number {
  const raw = process.env.MONQUE_SOAK_SECONDS;
  if (raw === undefined || raw === '') return 60;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new Error(`MONQUE_SOAK_SECONDS must be a positive number of seconds; got ${raw}`);
  }
  return seconds;
}

const HEAP_GROWTH_LIMIT = 20 * 1024 * 1024;

/**
 * Scenario 7: continuous enqueueing and processing on 2 instances with 10 % handler failures, in
 * a child process started with --expose-gc so its heap can be measured after GC.
 */
export function describeSoak(context: ReliabilityContext): void {
  const seconds = soakSeconds();

  describe('7. soak', () => {
    it(
      `runs ${seconds} s without leaking heap, timers, sockets, listeners or change streams`,
      async (test) => {
        const { db, uri } = context.database;
        const child = new ChildHandle(
          'soak.mjs',
          { MONQUE_SOAK_CONFIG: JSON.stringify({ uri, dbName: db.databaseName, seconds }) },
          ['--expose-gc'],
        );
        try {
          const result = await child.waitForMessage('result', (seconds + 90) * 1000);
          const { code } = await child.exited;
          const number = (key: string): number => {
            const value = result[key];
            if (typeof value !== 'number') throw new Error(`the soak did not report ${key}`);
            return value;
          };
          const growth = number('heapAfter') - number('heapBaseline');
          await checkScenario(
            test,
            `7 soak ${seconds} s, 2 instances, 10 % failures`,
            {
              jobs: number('total'),
              duplicates: number('unexpectedRuns'),
              lost: number('total') - number('completed') - number('failed'),
              recovery: `drained ${number('drainedMs')} ms after enqueueing stopped`,
              notes:
                `${number('completed')} completed, ${number('failed')} failed, ` +
                `${number('executions')} executions (${number('failuresThrown')} thrown), heap growth ` +
                `${(growth / 1024 / 1024).toFixed(1)} MB, ${number('errorCount')} job:error`,
            },
            () => {
              expect(child.fatal).toEqual([]);
              expect(code).toBe(0);
              expect(number('total')).toBe(number('enqueued'));
              expect(number('completed') + number('failed')).toBe(number('total'));
              expect(number('unexpectedRuns')).toBe(0);
              expect(result.errors).toEqual([]);
              expect(growth).toBeLessThan(HEAP_GROWTH_LIMIT);
              expect(number('openStreams')).toBe(0);
              expect(result.listenersAfter).toEqual(result.listenersBefore);
              expect(result.clientListenersAfter).toEqual(result.clientListenersBefore);
              expect(result.leakedAfterStop).toEqual([]);
              expect(result.leakedAfterClose).toEqual([]);
            },
          );
        } finally {
          await child.kill();
        }
      },
      (seconds + 120) * 1000,
    );
  });
}
