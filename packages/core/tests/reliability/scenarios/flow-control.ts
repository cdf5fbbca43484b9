import { afterEach, describe, expect, it } from 'vitest';
import { Monque } from '../../../src/monque.js';
import type { ReliabilityContext } from '../support/context.js';
import {
  describeOverlap,
  type Execution,
  executionsOf,
  findOverlaps,
  microseconds,
} from '../support/execution-log.js';
import { type LoggedJobData, LoggedProcesses } from '../support/logged-worker.js';
import { checkScenario } from '../support/summary.js';
import { countWhenReached } from '../support/wait.js';

const HEARTBEAT_INTERVAL = 200;
const LOCK_TIMEOUT = 1000;

/** The executions of `runs` as executions of their group, for `findOverlaps` (per group). */
function byGroup(runs: readonly Execution[]): Execution[] {
  return runs.map((run) => ({ ...run, job: run.group ?? `none:${run.job}` }));
}

/** The most values of `times` (sorted or not) within any span shorter than `span`. */
function mostWithin(times: readonly number[], span: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let first = 0;
  for (let last = 0; last < sorted.length; last += 1) {
    while ((sorted[last] as number) - (sorted[first] as number) >= span) first += 1;
    most = Math.max(most, last - first + 1);
  }
  return most;
}

/** The groups whose executions did not start in the order of their jobs' due times. */
function outOfOrder(runs: readonly Execution[]): string[] {
  const byKey = new Map<string, Execution[]>();
  for (const run of runs) {
    if (run.group === null) continue;
    byKey.set(run.group, [...(byKey.get(run.group) ?? []), run]);
  }
  const broken: string[] = [];
  for (const [group, list] of byKey) {
    const dues = [...list].sort((a, b) => a.start - b.start).map((run) => run.due);
    if (dues.some((due, index) => index > 0 && due < (dues[index - 1] as number))) {
      broken.push(group);
    }
  }
  return broken;
}

/**
 * Scenarios 17–19: flow control across worker processes, judged from their logs (see
 * `support/execution-log.ts`): a group slot held by a SIGKILLed process comes back with the
 * takeover; one job per group at a time over 20 groups × 50 jobs, in order; and a rate limit of
 * 50 starts per second shared by 3 processes for 10 s.
 */
export function describeFlowControl(context: ReliabilityContext): void {
  describe('17–19. flow control across processes', () => {
    const cleanups: (() => Promise<void>)[] = [];

    afterEach(async () => {
      for (const cleanup of cleanups.splice(0)) await cleanup();
    });

    it('17. a group slot held by a SIGKILLed process comes back with the takeover', async (test) => {
      const { db, uri } = context.database;
      const collectionName = context.collectionName('group_crash');
      const processes = new LoggedProcesses(
        { uri, dbName: db.databaseName, collectionName },
        'group-crash',
      );
      cleanups.push(() => processes.cleanup());
      const settings = {
        options: {
          heartbeatInterval: HEARTBEAT_INTERVAL,
          lockTimeout: LOCK_TIMEOUT,
          pollInterval: 100,
        },
        workers: [{ name: 'sync', concurrency: 10, groupConcurrency: 1 }],
      };
      const victim = await processes.start('victim', settings);
      const producer = new Monque(db, { collectionName });
      const groups = ['g0', 'g1', 'g2'];
      const base = Date.now() - 60_000;
      // Per group: a first job long enough to be running when its process is killed, then two.
      const first: LoggedJobData = { work: 1500 };
      await producer.enqueueMany(
        groups.flatMap((group, g) =>
          [0, 1, 2].map((seq) => ({
            name: 'sync',
            data: seq === 0 ? first : { work: 20 },
            options: { groupKey: group, runAt: new Date(base + seq * 10 + g) },
          })),
        ),
      );
      await victim.waitFor(
        'the first job of each group started in the victim',
        () => victim.ofType('start').length === groups.length,
        20_000,
      );
      const rescuer = await processes.start('rescuer', settings);
      const held = await producer.collection.countDocuments({
        groupSlot: 0,
        claimedBy: { $ne: null },
      });
      const killedAt = microseconds();
      await victim.kill();
      await countWhenReached(producer.collection, 'completed', groups.length * 3, {
        timeout: 30_000,
      });
      await rescuer.stop(15_000);
      const runs = executionsOf(processes.records());
      const killed = (run: Execution) => (run.end === undefined ? killedAt : run.end);
      const live = runs.filter((run) => run.proc === 'rescuer');
      const groupOverlaps = findOverlaps(byGroup(runs), killed);
      // The slot came back when the rescuer took the first jobs over: their re-runs started then.
      const firstRerun = Math.min(
        ...live.filter((run) => run.due < base + 10).map((run) => run.start),
      );
      const recovery = Math.round((firstRerun - killedAt) / 1000);
      const jobs = await producer.collection.find({}).toArray();
      const completions = jobs.filter((job) => job.status === 'completed').length;
      await checkScenario(
        test,
        '17 group slot of a SIGKILLed process',
        {
          jobs: jobs.length,
          duplicates: groupOverlaps.length,
          lost: jobs.length - completions,
          recovery: `${recovery} ms (bound ${LOCK_TIMEOUT + HEARTBEAT_INTERVAL} ms + a claim)`,
          notes:
            `${held} slots held at the kill; group overlaps among live runs: ` +
            `${groupOverlaps.length}; executions: ${runs.length - live.length} by the killed ` +
            `process + ${live.length} by the rescuer`,
        },
        () => {
          expect(held).toBe(groups.length);
          expect(groupOverlaps.map(describeOverlap)).toEqual([]);
          expect(outOfOrder(live)).toEqual([]);
          expect(live).toHaveLength(groups.length * 3);
          expect(completions).toBe(jobs.length);
          expect(jobs.every((job) => job.groupSlot === null)).toBe(true);
          expect(recovery).toBeGreaterThanOrEqual(0);
        },
      );
    }, 90_000);

    it('18. groupConcurrency 1 over 20 groups × 50 jobs on 3 processes: one at a time, in order', async (test) => {
      const { db, uri } = context.database;
      const collectionName = context.collectionName('groups');
      const processes = new LoggedProcesses(
        { uri, dbName: db.databaseName, collectionName },
        'groups',
      );
      cleanups.push(() => processes.cleanup());
      const settings = {
        options: { pollInterval: 100 },
        workers: [{ name: 'sync', concurrency: 8, groupConcurrency: 1 }],
      };
      const workers = await Promise.all(
        ['A', 'B', 'C'].map((proc) => processes.start(proc, settings)),
      );
      const producer = new Monque(db, { collectionName });
      const groups = 20;
      const perGroup = 50;
      const base = Date.now() - 60_000;
      const startedAt = microseconds();
      await producer.enqueueMany(
        Array.from({ length: groups * perGroup }, (_, i) => ({
          name: 'sync',
          data: { work: 2 } satisfies LoggedJobData,
          options: { groupKey: `g${i % groups}`, runAt: new Date(base + i) },
        })),
      );
      await countWhenReached(producer.collection, 'completed', groups * perGroup, {
        timeout: 120_000,
      });
      const took = (microseconds() - startedAt) / 1e6;
      await Promise.all(workers.map((worker) => worker.stop(15_000)));
      const runs = executionsOf(processes.records());
      const overlaps = findOverlaps(byGroup(runs));
      const broken = outOfOrder(runs);
      const perJob = new Map<string, number>();
      for (const run of runs) perJob.set(run.job, (perJob.get(run.job) ?? 0) + 1);
      const twice = [...perJob.values()].filter((count) => count > 1).length;
      const concurrent = mostConcurrent(runs);
      await checkScenario(
        test,
        '18 groups K=1, 20 × 50',
        {
          jobs: groups * perGroup,
          duplicates: twice,
          lost: groups * perGroup - perJob.size,
          recovery: 'n/a',
          notes:
            `${overlaps.length} overlaps within a group, ${broken.length} groups out of order; ` +
            `${Math.round((groups * perGroup) / took)} jobs/s, up to ${concurrent} running at once`,
        },
        () => {
          expect(overlaps.map(describeOverlap)).toEqual([]);
          expect(broken).toEqual([]);
          expect(twice).toBe(0);
          expect(perJob.size).toBe(groups * perGroup);
        },
      );
    }, 180_000);

    it('19. rateLimit 50 per second shared by 3 processes for 10 s', async (test) => {
      const { db, uri } = context.database;
      const collectionName = context.collectionName('rate');
      const processes = new LoggedProcesses(
        { uri, dbName: db.databaseName, collectionName },
        'rate',
      );
      cleanups.push(() => processes.cleanup());
      const max = 50;
      const duration = 1000;
      const seconds = 10;
      const settings = {
        options: { pollInterval: 100 },
        workers: [{ name: 'call', concurrency: 20, rateLimit: { max, duration } }],
      };
      const workers = await Promise.all(
        ['A', 'B', 'C'].map((proc) => processes.start(proc, settings)),
      );
      const producer = new Monque(db, { collectionName });
      // More than 10 s can start: the limit, not the queue, decides.
      const jobs = max * seconds;
      await producer.enqueueMany(
        Array.from({ length: jobs }, () => ({ name: 'call', data: { work: 5 } })),
      );
      await countWhenReached(producer.collection, 'completed', jobs, { timeout: 60_000 });
      await Promise.all(workers.map((worker) => worker.stop(15_000)));
      const runs = executionsOf(processes.records());
      const claimed = runs.map((run) => run.lockedAt ?? Number.NaN);
      const byClaim = mostWithin(claimed, duration);
      const byStart = mostWithin(
        runs.map((run) => run.start / 1000),
        duration,
      );
      const span = (Math.max(...claimed) - Math.min(...claimed)) / 1000;
      const perProcess = ['A', 'B', 'C'].map(
        (proc) => runs.filter((run) => run.proc === proc).length,
      );
      await checkScenario(
        test,
        '19 rate limit 50/s, 3 processes',
        {
          jobs,
          duplicates: runs.length - new Set(runs.map((run) => run.job)).size,
          lost: jobs - new Set(runs.map((run) => run.job)).size,
          recovery: 'n/a',
          notes:
            `most claims in any 1 s: ${byClaim} (limit ${max}); most handler starts in any 1 s ` +
            `(monotonic clock): ${byStart}; ${jobs} jobs over ${span.toFixed(1)} s; per ` +
            `process ${perProcess.join('/')}`,
        },
        () => {
          expect(claimed.every(Number.isFinite)).toBe(true);
          expect(byClaim).toBeLessThanOrEqual(max);
          expect(span).toBeGreaterThanOrEqual(seconds - 1 - 0.5);
          expect(perProcess.every((count) => count > 0)).toBe(true);
        },
      );
    }, 120_000);
  });
}

/** The most executions running at once. */
function mostConcurrent(runs: readonly Execution[]): number {
  const edges = runs.flatMap((run) => [
    [run.start, 1] as const,
    [run.end ?? run.start, -1] as const,
  ]);
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let most = 0;
  for (const [, step] of edges) {
    now += step;
    most = Math.max(most, now);
  }
  return most;
}
