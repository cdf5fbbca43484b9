import { afterEach, describe, expect, it } from 'vitest';
import type { JobDocument } from '../../../src/jobs/job.js';
import { Monque } from '../../../src/monque.js';
import type { ReliabilityContext } from '../support/context.js';
import {
  describeOverlap,
  executionsOf,
  findOverlaps,
  microseconds,
} from '../support/execution-log.js';
import { type LoggedJobData, LoggedProcesses } from '../support/logged-worker.js';
import { checkScenario } from '../support/summary.js';
import { countWhenReached, waitForCondition } from '../support/wait.js';
import type { ChildHandle } from '../support/worker-process.js';

const HEARTBEAT_INTERVAL = 500;
const LOCK_TIMEOUT = 2000;
/** How far the clock of the shifted instance runs ahead of the other's. */
const SKEW = 60_000;
/**
 * Jobs of the first phase; `DELAYED` of them (named `later`, with slots of their own) are due
 * `DELAY` ms after they are enqueued.
 */
const JOBS = 100;
const DELAYED = 10;
const DELAY = 3000;
/** Handlers outlive `lockTimeout`: only heartbeats keep their claims alive. */
const WORK = LOCK_TIMEOUT + HEARTBEAT_INTERVAL;
/** Jobs each instance holds when it is killed, for the other to recover. */
const HELD = 5;
/** How long a recovery may take here: far less than the skew, far more than `lockTimeout`. */
const RECOVERY_WAIT = 10 * LOCK_TIMEOUT;
/**
 * How early a due job may start: an instance reads due times from its estimate of the database's
 * clock, which is off by up to half the round trip of the `hello` it was taken from (plus 1 ms of
 * resolution). 1 s bounds that on a busy machine and is far below the 60 s skew under test.
 */
const ESTIMATE_UNCERTAINTY_US = 1_000_000;

/**
 * Scenario 15: two worker processes whose wall clocks differ by 60 s (one runs with
 * fixtures/shift-clock.mjs). Lease decisions must not depend on either clock: no live job is taken
 * over (0 overlapping executions, each of 100 jobs run once), no delayed job runs early, and the
 * jobs of a killed instance are recovered by the other — in both directions.
 */
export function describeClockSkew(context: ReliabilityContext): void {
  describe('15. two instances whose clocks differ by 60 s', () => {
    const cleanups: (() => Promise<void>)[] = [];

    afterEach(async () => {
      for (const cleanup of cleanups.splice(0)) await cleanup();
    });

    it('no live job taken over, none run early, stale jobs recovered both ways', async (test) => {
      const { db, uri } = context.database;
      const collectionName = context.collectionName('clock_skew');
      const processes = new LoggedProcesses(
        { uri, dbName: db.databaseName, collectionName },
        'clock-skew',
      );
      cleanups.push(() => processes.cleanup());
      const producer = new Monque(db, { collectionName });
      /** Starts a worker process whose clock is `clockOffset` ms off; it also runs `holds` jobs. */
      const start = (
        proc: string,
        holds: string | undefined,
        clockOffset: number,
      ): Promise<ChildHandle> =>
        processes.start(
          proc,
          {
            options: {
              heartbeatInterval: HEARTBEAT_INTERVAL,
              lockTimeout: LOCK_TIMEOUT,
              pollInterval: 100,
              shutdownTimeout: 2 * WORK,
            },
            workers: [
              { name: 'work', concurrency: 25 },
              { name: 'later', concurrency: DELAYED },
              ...(holds === undefined ? [] : [{ name: holds, concurrency: HELD }]),
            ],
          },
          { clockOffset },
        );
      const behind = await start('behind', 'hold-behind', 0);
      const ahead = await start('ahead', 'hold-ahead', SKEW);

      // Phase 1: 100 jobs (10 of them delayed) on both instances.
      const dueAt = new Map<string, number>();
      const work: LoggedJobData = { work: WORK };
      await producer.enqueueMany(
        Array.from({ length: JOBS - DELAYED }, () => ({ name: 'work', data: work })),
      );
      for (let i = 0; i < DELAYED; i += 1) {
        const now = Date.now();
        const at = microseconds();
        const { job } = await producer.enqueue('later', work, { runAt: new Date(now + DELAY) });
        // The instant it is due on this process's clock (the database's, for the emulator).
        dueAt.set(job._id.toHexString(), at + DELAY * 1000);
      }
      const completed = await countWhenReached(producer.collection, 'completed', JOBS, {
        timeout: 60_000,
      });

      // Phase 2: the instance ahead is killed holding jobs; the one behind must recover them.
      const recoveredAfterKill = async (
        owner: ChildHandle,
        name: string,
      ): Promise<number | undefined> => {
        await producer.enqueueMany(
          Array.from({ length: HELD }, () => ({ name, data: { work: 10 * 60_000 } })),
        );
        await owner.waitFor(
          `${HELD} ${name} jobs started`,
          () => owner.ofType('start').filter((message) => message.name === name).length === HELD,
          20_000,
        );
        const before = await producer.collection.find({ name }).toArray();
        const takeoversBefore = new Map(
          before.map((job) => [job._id.toHexString(), job.takeoverCount ?? 0]),
        );
        const killedAt = Date.now();
        await owner.kill();
        // What it held when killed: the jobs it ran, and any it had claimed ahead of free slots.
        const held = (await producer.collection.find({ name, status: 'processing' }).toArray()).map(
          (job) => job._id.toHexString(),
        );
        return waitForCondition(
          `the ${name} jobs of the killed instance to be recovered`,
          async () => {
            const jobs = await producer.collection.find({ name }).toArray();
            const recovered = jobs.filter(
              (job) =>
                held.includes(job._id.toHexString()) &&
                job.status !== 'processing' &&
                (job.takeoverCount ?? 0) > (takeoversBefore.get(job._id.toHexString()) ?? 0),
            );
            return held.length >= HELD && recovered.length === held.length
              ? Date.now() - killedAt
              : undefined;
          },
          { timeout: RECOVERY_WAIT, interval: 50 },
        ).catch(() => undefined);
      };
      const aheadRecovered = await recoveredAfterKill(ahead, 'hold-ahead');

      // Phase 3: the jobs of the instance behind are held past lockTimeout while a new instance
      // ahead runs (it must leave them alone), then the one behind is killed.
      const aheadAgain = await start('ahead-2', undefined, SKEW);
      await producer.enqueueMany(
        Array.from({ length: HELD }, () => ({ name: 'hold-behind', data: { work: 10 * 60_000 } })),
      );
      const heldPastTimeout = (job: JobDocument): boolean =>
        job.status === 'processing' &&
        job.lockedAt !== null &&
        job.lastHeartbeat !== null &&
        job.lastHeartbeat.getTime() - job.lockedAt.getTime() > LOCK_TIMEOUT + HEARTBEAT_INTERVAL;
      const liveTakeovers = await waitForCondition(
        'the held jobs of the instance behind to be held past lockTimeout, or taken over',
        async () => {
          const jobs = await producer.collection.find({ name: 'hold-behind' }).toArray();
          const takenOver = jobs.filter((job) => (job.takeoverCount ?? 0) > 0).length;
          if (takenOver > 0) return { takenOver };
          return jobs.length === HELD && jobs.every(heldPastTimeout) ? { takenOver } : undefined;
        },
        { timeout: 30_000, interval: 50 },
      );
      const behindRecovered = await recoveredAfterKill(behind, 'hold-behind');
      await aheadAgain.stop(15_000);

      const records = processes.records();
      const executions = executionsOf(records);
      const overlaps = findOverlaps(executions);
      const phaseOne = executions.filter(({ name }) => name === 'work' || name === 'later');
      const runTwice = phaseOne.length - new Set(phaseOne.map(({ job }) => job)).size;
      const early = phaseOne.filter(
        ({ job, start }) => start < (dueAt.get(job) ?? -Infinity) - ESTIMATE_UNCERTAINTY_US,
      );
      const delays = phaseOne
        .filter(({ job }) => dueAt.has(job))
        .map(({ job, start }) => (start - (dueAt.get(job) ?? 0)) / 1000);
      const byAhead = phaseOne.filter(({ proc }) => proc === 'ahead').length;
      const fatal = records.filter(({ ev }) => ev === 'fatal');
      const describeRecovery = (ms: number | undefined): string =>
        ms === undefined ? `NOT within ${RECOVERY_WAIT} ms` : `${ms} ms`;

      await checkScenario(
        test,
        '15 clocks 60 s apart',
        {
          jobs: JOBS,
          duplicates: runTwice,
          lost: JOBS - completed,
          recovery:
            `killed instance's jobs recovered: ahead's ${describeRecovery(aheadRecovered)}, ` +
            `behind's ${describeRecovery(behindRecovered)} after the kill`,
          notes:
            `${overlaps.length} overlapping executions, ${liveTakeovers.takenOver} held jobs ` +
            `taken over while their instance lived, ${early.length} of ${DELAYED} delayed jobs ` +
            `run early (started ${Math.min(...delays).toFixed(0)} to ` +
            `${Math.max(...delays).toFixed(0)} ms after due); ${byAhead} of ${phaseOne.length} ` +
            'executions by the instance ahead',
        },
        () => {
          expect(fatal).toEqual([]);
          expect(overlaps.map(describeOverlap)).toEqual([]);
          expect(runTwice).toBe(0);
          expect(liveTakeovers.takenOver).toBe(0);
          expect(early.map(({ job, start }) => ({ job, start, due: dueAt.get(job) }))).toEqual([]);
          expect(completed).toBe(JOBS);
          expect(aheadRecovered).toBeDefined();
          expect(behindRecovered).toBeDefined();
          // Both instances ran jobs, so each had the chance to take over the other's.
          expect(byAhead).toBeGreaterThan(0);
          expect(byAhead).toBeLessThan(phaseOne.length);
        },
      );
    }, 180_000);
  });
}
