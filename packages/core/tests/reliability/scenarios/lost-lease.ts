import { setTimeout as delay } from 'node:timers/promises';
import type { Admin } from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';
import { Monque } from '../../../src/monque.js';
import type { ReliabilityContext } from '../support/context.js';
import {
  describeOutcomes,
  describeOverlap,
  type Execution,
  executionsOf,
  findOverlaps,
  microseconds,
} from '../support/execution-log.js';
import { failPoints } from '../support/fail-points.js';
import { type LoggedJobData, LoggedProcesses } from '../support/logged-worker.js';
import { checkScenario, skipScenario } from '../support/summary.js';
import { countWhenReached, waitForCondition } from '../support/wait.js';
import type { ChildHandle } from '../support/worker-process.js';

const HEARTBEAT_INTERVAL = 500;
const LOCK_TIMEOUT = 2000;
/** How long the heartbeat writes of the faulty instance fail. */
const FAULT_MS = 2 * LOCK_TIMEOUT;
/** Jobs the faulty instance holds when its writes start failing: they outlive the fault. */
const HELD_JOBS = 20;
const HELD_WORK = 2 * LOCK_TIMEOUT;
/** Jobs enqueued once the fault is on, for both instances. */
const OTHER_JOBS = 80;
const OTHER_WORK = 100;
/** A transient server error (ExceededTimeLimit) without labels: the driver does not retry it. */
const TRANSIENT_CODE = 262;

/**
 * Scenario 14: instance A's `update` commands (its heartbeats, and its claims and outcome writes
 * of several jobs) fail for 2 × `lockTimeout` — a `failCommand` fail point selected by A's
 * `appName` — while A holds 20 long jobs whose handlers honour their signal, and instance B (a
 * healthy process) competes. A must abort those handlers (`JobOwnershipLostError`) before B may
 * take them over: no two executions of one job overlap, across 100 jobs.
 */
export function describeLostLease(context: ReliabilityContext): void {
  describe('14. heartbeats that cannot be written', () => {
    const cleanups: (() => Promise<void>)[] = [];

    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    it('the instance aborts its handlers before another takes their jobs over: 0 overlaps in 100 jobs', async (test) => {
      const scenario = '14 heartbeat writes fail for 2 × lockTimeout';
      const admin: Admin = (await context.separateDb()).admin();
      const support = await failPoints(admin);
      if (!support.available) skipScenario(test, scenario, support.reason);
      const { db, uri } = context.database;
      const collectionName = context.collectionName('lost_lease');
      const processes = new LoggedProcesses(
        { uri, dbName: db.databaseName, collectionName },
        'lost-lease',
      );
      cleanups.push(() => processes.cleanup());
      const settings = {
        options: {
          heartbeatInterval: HEARTBEAT_INTERVAL,
          lockTimeout: LOCK_TIMEOUT,
          pollInterval: 100,
          shutdownTimeout: 2 * HELD_WORK,
        },
        workers: [{ name: 'work', concurrency: HELD_JOBS }],
      };
      const producer = new Monque(db, { collectionName });
      const enqueue = async (count: number, data: LoggedJobData): Promise<void> => {
        await producer.enqueueMany(Array.from({ length: count }, () => ({ name: 'work', data })));
      };

      // A alone claims the long jobs, and one heartbeat of A lands: a live lease.
      await enqueue(HELD_JOBS, { work: HELD_WORK });
      const a = await processes.start('A', settings);
      await a.waitFor(
        `A to start the ${HELD_JOBS} long jobs`,
        () => a.ofType('start').length === HELD_JOBS,
        20_000,
      );
      await waitForCondition(
        'a heartbeat of A on every job it holds',
        async () => {
          const held = await producer.collection.find({ status: 'processing' }).toArray();
          return (
            held.length === HELD_JOBS &&
            held.every(
              (job) => (job.lastHeartbeat?.getTime() ?? 0) > (job.lockedAt?.getTime() ?? 0),
            )
          );
        },
        { timeout: 10_000 },
      );

      await admin.command({
        configureFailPoint: 'failCommand',
        mode: 'alwaysOn',
        data: {
          failCommands: ['update'],
          appName: processes.config('A', settings).appName,
          errorCode: TRANSIENT_CODE,
          errorLabels: [],
        },
      });
      const faultOn = microseconds();
      cleanups.push(async () => {
        await admin.command({ configureFailPoint: 'failCommand', mode: 'off' });
      });
      let fired = 0;
      let b: ChildHandle | undefined;
      try {
        await enqueue(OTHER_JOBS, { work: OTHER_WORK });
        b = await processes.start('B', settings);
        // The fault lasts FAULT_MS: it is the scenario's stimulus, not a wait for a condition.
        await delay(FAULT_MS - (microseconds() - faultOn) / 1000);
      } finally {
        const reply = await admin.command({ configureFailPoint: 'failCommand', mode: 'off' });
        fired = typeof reply.count === 'number' ? reply.count : 0;
      }
      const faultOff = microseconds();

      const total = HELD_JOBS + OTHER_JOBS;
      const completed = await countWhenReached(producer.collection, 'completed', total, {
        timeout: 60_000,
      });
      await a.stop(30_000);
      await b?.stop(30_000);

      const records = processes.records();
      const executions = executionsOf(records);
      const overlaps = findOverlaps(executions);
      // What A held when its writes began to fail, and what became of each of those jobs.
      const held = executions.filter(
        (run) => run.proc === 'A' && run.start < faultOn && (run.end ?? Infinity) > faultOn,
      );
      const nextRunOf = (run: Execution): Execution | undefined =>
        executions.find((other) => other.job === run.job && other.start > run.start);
      const abortedBeforeTakeover = held.filter((run) => {
        const next = nextRunOf(run);
        return (
          run.outcome === 'aborted' &&
          run.reason === 'JobOwnershipLostError' &&
          next !== undefined &&
          run.end !== undefined &&
          run.end < next.start
        );
      });
      const gaps = held.flatMap((run) => {
        const next = nextRunOf(run);
        return next === undefined || run.end === undefined ? [] : [(next.start - run.end) / 1000];
      });
      const completions = new Map<string, number>();
      for (const record of records.filter(({ ev }) => ev === 'complete')) {
        completions.set(String(record.job), (completions.get(String(record.job)) ?? 0) + 1);
      }
      const completedTwice = [...completions.values()].filter((count) => count > 1).length;
      const fatal = records.filter(({ ev }) => ev === 'fatal');
      const ownershipErrors = records.filter(
        ({ proc, ev, error }) =>
          proc === 'A' && ev === 'error' && error === 'JobOwnershipLostError',
      ).length;

      await checkScenario(
        test,
        scenario,
        {
          jobs: total,
          duplicates: overlaps.length,
          lost: total - completed,
          recovery:
            gaps.length === 0
              ? 'no held job was run again'
              : `next run of a held job ${Math.min(...gaps).toFixed(0)} to ` +
                `${Math.max(...gaps).toFixed(0)} ms after A's ended (negative: while A's ran)`,
          notes:
            `fault ${((faultOff - faultOn) / 1000).toFixed(0)} ms, fired ${fired}; A held ` +
            `${held.length}, aborted before the takeover ${abortedBeforeTakeover.length} ` +
            `(A's ends: ${describeOutcomes(held)}); ${overlaps.length} overlapping executions; ` +
            `${executions.length} executions; A reported ${ownershipErrors} JobOwnershipLostError`,
        },
        () => {
          expect(fired).toBeGreaterThan(0);
          expect(fatal).toEqual([]);
          expect(held).toHaveLength(HELD_JOBS);
          expect(overlaps.map(describeOverlap)).toEqual([]);
          expect(abortedBeforeTakeover).toHaveLength(HELD_JOBS);
          expect(completed).toBe(total);
          expect(completions.size).toBe(total);
          expect(completedTwice).toBe(0);
        },
      );
    }, 120_000);
  });
}
