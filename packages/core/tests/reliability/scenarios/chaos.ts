import { describe, expect, it } from 'vitest';
import { chaosSummary } from '../chaos/report.js';
import { runChaos } from '../chaos/run-chaos.js';
import type { ReliabilityContext } from '../support/context.js';
import { checkScenario } from '../support/summary.js';

/** A positive number from the environment, or `fallback`. */
function fromEnvironment(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`${name} must be a positive integer; got ${raw}`);
  }
  return value;
}

/**
 * Scenario 16: one seed of the chaos test (chaos/run-chaos.ts) — 4 worker processes, a producer
 * of due, delayed, unique and recurring jobs, and a seeded nemesis that kills, freezes, injects
 * fail points and stops the database — judged from the logs by chaos/checker.ts. The seed and its
 * length: MONQUE_CHAOS_SEED (default 1) and MONQUE_CHAOS_SECONDS (default 20); its logs are kept when
 * it fails, or with MONQUE_CHAOS_KEEP_LOGS=1. Longer runs of several seeds are
 * `npm run chaos -w @monque/core`.
 */
export function describeChaos(context: ReliabilityContext): void {
  const seed = fromEnvironment('MONQUE_CHAOS_SEED', 1);
  const seconds = fromEnvironment('MONQUE_CHAOS_SECONDS', 20);

  describe('16. chaos', () => {
    it(`seed ${seed}, ${seconds} s: nothing lost or stuck, no crash, no overlap of live owners`, async (test) => {
      // The database must be one the run can stop: its own emulator process, unless the suite
      // runs on a real server (then the run uses that one, without outages).
      const { substrate, uri } = context.database;
      const run = await runChaos({
        seed,
        seconds,
        keepLogs: process.env.MONQUE_CHAOS_KEEP_LOGS === '1',
        ...(substrate === 'emulator' ? {} : { uri }),
      });
      const { verdict } = run;
      const summary = chaosSummary(run);
      await checkScenario(
        test,
        `16 chaos seed ${seed}, ${seconds} s`,
        {
          jobs: verdict.counts.jobs,
          duplicates: verdict.overlaps.length + verdict.unexplainedCompletions.length,
          lost: verdict.lost.length + verdict.stuck.length,
          recovery:
            run.drainedMs === undefined
              ? 'did NOT drain'
              : `drained ${run.drainedMs} ms after the chaos`,
          notes: summary,
        },
        () => {
          expect(run.failures, `logs kept in ${run.logDir}`).toEqual([]);
          // Every kind of disturbance the substrate allows happened.
          expect(verdict.counts.kills).toBeGreaterThan(0);
          expect(verdict.counts.freezes).toBeGreaterThan(0);
          if (run.disturbances.includes('fail-point')) {
            expect(verdict.counts.failPoints).toBeGreaterThan(0);
          }
          if (run.disturbances.includes('outage')) {
            expect(verdict.counts.outages).toBeGreaterThan(0);
          }
        },
      );
    }, 180_000);
  });
}
