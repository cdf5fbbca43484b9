import type { HandlerKind } from './workloads.js';

/** Which run: the full benchmark, or the quick one that keeps the harness working. */
export type BenchMode = 'full' | 'quick';

/** One processing workload: a standing queue of due jobs. */
/**
 * Monque's flow control in a processing run (Monque only): `priorities` — every job has a
 * priority from 0 to 9 (claims sort by it); `groups` — every job has one of 50 group keys and the
 * worker runs one job per group at a time (`groupConcurrency: 1`).
 */
export type FlowControl = 'priorities' | 'groups';

/** The job seeded as number `seq` of a flow-control run: its priority or group. */
export function flowOptionsFor(
  flow: FlowControl | undefined,
  seq: number,
): { priority?: number; groupKey?: string } {
  if (flow === 'priorities') return { priority: (seq * 7) % 10 };
  if (flow === 'groups') return { groupKey: `g${seq % FLOW_GROUPS}` };
  return {};
}

/** How many groups the jobs of a `groups` run are spread over. */
export const FLOW_GROUPS = 50;

export interface ProcessingConfig {
  readonly id: string;
  /** Monque's flow control (Monque only); none by default. */
  readonly flow?: FlowControl;
  readonly handler: HandlerKind;
  /** Job names (jobs are spread over them round-robin), each with its own worker. */
  readonly names: number;
  /** Concurrency per name. */
  readonly concurrency: number;
  readonly jobs: number;
}

/** Sizes, repetitions and time caps of every scenario. */
export interface BenchSettings {
  readonly mode: BenchMode;
  /** Measured repetitions of each configuration, in alternating library order. */
  readonly repetitions: number;
  readonly processing: {
    readonly configs: readonly ProcessingConfig[];
    /** A discarded run per library before the first measured one. */
    readonly warmup: ProcessingConfig;
    /** A run stops after this long even when jobs are left; jobs/s is measured over it. */
    readonly timeCapMs: number;
    /** Configurations that get one extra, profiled run per library (not in the figures). */
    readonly profiled: readonly string[];
  };
  readonly latency: {
    readonly jobs: number;
    readonly warmupJobs: number;
    /** Enqueue gap: uniform between these two (ms), so arrivals are not phase-locked to polls. */
    readonly minGapMs: number;
    readonly maxGapMs: number;
    /** How long to wait for the last jobs to start (pg-boss polls every 0.5 s). */
    readonly settleMs: number;
    /** Names of the rotating mode, which Monque also runs (hot name: one name for every job). */
    readonly rotatingNames: number;
    readonly concurrency: number;
  };
  readonly enqueue: {
    readonly oneByOne: number;
    readonly bulk: number;
    readonly bulkSize: number;
  };
  readonly idle: {
    /** How long idle instances are watched (ms); covers two of Monque's backup polls. */
    readonly windowMs: number;
  };
  /** Monque only: cancelJob on one instance → the handler's signal aborted on another. */
  readonly cancel: {
    /** Running jobs cancelled per run (one run per repetition and notification mode). */
    readonly cancels: number;
    /** Gap between cancels: uniform between these two (ms). */
    readonly minGapMs: number;
    readonly maxGapMs: number;
    /** The owner's heartbeatInterval in each mode (polling reads cancel requests at it). */
    readonly heartbeatInterval: { readonly 'change-stream': number; readonly polling: number };
  };
  /** Monque's management reads (`findJobs`, `getStats`) on a large queue of jobs in every status. */
  readonly management: {
    /** Jobs seeded before the measurements (outside them), over `names` job names. */
    readonly jobs: number;
    readonly names: number;
    /** Timed calls of each `findJobs` query per repetition (after `warmupCalls` untimed ones). */
    readonly calls: number;
    /** Timed calls of each `getStats` query per repetition. */
    readonly statsCalls: number;
    readonly warmupCalls: number;
    /** Pages of a cursor walk timed per repetition (after its untimed first page). */
    readonly pages: number;
  };
}

const FULL: BenchSettings = {
  mode: 'full',
  repetitions: 3,
  processing: {
    configs: [
      { id: 'noop-c10', handler: 'noop', names: 1, concurrency: 10, jobs: 3000 },
      { id: 'async5-c10', handler: 'async-5ms', names: 1, concurrency: 10, jobs: 2000 },
      { id: 'async50-c10', handler: 'async-50ms', names: 1, concurrency: 10, jobs: 400 },
      { id: 'cpu-c10', handler: 'cpu', names: 1, concurrency: 10, jobs: 1000 },
      { id: 'noop-c1', handler: 'noop', names: 1, concurrency: 1, jobs: 500 },
      { id: 'async5-10names', handler: 'async-5ms', names: 10, concurrency: 2, jobs: 2000 },
      // The cost of flow control, against noop-c10 and async5-c10 above (Monque only).
      {
        id: 'noop-c10-priorities',
        handler: 'noop',
        names: 1,
        concurrency: 10,
        jobs: 3000,
        flow: 'priorities',
      },
      {
        id: 'noop-c10-groups',
        handler: 'noop',
        names: 1,
        concurrency: 10,
        jobs: 3000,
        flow: 'groups',
      },
      {
        id: 'async5-c10-groups',
        handler: 'async-5ms',
        names: 1,
        concurrency: 10,
        jobs: 2000,
        flow: 'groups',
      },
    ],
    warmup: { id: 'warm-up', handler: 'noop', names: 1, concurrency: 10, jobs: 500 },
    timeCapMs: 3000,
    profiled: ['noop-c10', 'async5-c10'],
  },
  latency: {
    jobs: 100,
    warmupJobs: 5,
    // Jobs of one name arrive 40–80 ms apart, so a scheduler that coalesces notifications per
    // name over a window shows it; slow enough (about 17/s) for pg-boss at concurrency 10 (at
    // most 10 jobs per 0.5 s poll) to keep up.
    minGapMs: 40,
    maxGapMs: 80,
    settleMs: 3000,
    rotatingNames: 16,
    concurrency: 10,
  },
  enqueue: { oneByOne: 1000, bulk: 5000, bulkSize: 1000 },
  idle: { windowMs: 20_000 },
  // Monque's default heartbeat in both modes: polling shows the default bound (10 s).
  cancel: {
    cancels: 200,
    minGapMs: 5,
    maxGapMs: 25,
    heartbeatInterval: { 'change-stream': 10_000, polling: 10_000 },
  },
  management: { jobs: 100_000, names: 10, calls: 15, statsCalls: 3, warmupCalls: 1, pages: 20 },
};

const QUICK: BenchSettings = {
  mode: 'quick',
  repetitions: 1,
  processing: {
    configs: [
      { id: 'noop-c10', handler: 'noop', names: 1, concurrency: 10, jobs: 100 },
      { id: 'async5-c10', handler: 'async-5ms', names: 1, concurrency: 10, jobs: 100 },
      {
        id: 'noop-c10-priorities',
        handler: 'noop',
        names: 1,
        concurrency: 10,
        jobs: 100,
        flow: 'priorities',
      },
      {
        id: 'noop-c10-groups',
        handler: 'noop',
        names: 1,
        concurrency: 10,
        jobs: 100,
        flow: 'groups',
      },
    ],
    warmup: { id: 'warm-up', handler: 'noop', names: 1, concurrency: 10, jobs: 50 },
    // Generous: the quick run checks that every job gets processed, also on a busy machine.
    timeCapMs: 10_000,
    profiled: ['noop-c10'],
  },
  latency: {
    jobs: 15,
    warmupJobs: 2,
    minGapMs: 40,
    maxGapMs: 80,
    settleMs: 2000,
    rotatingNames: 16,
    concurrency: 10,
  },
  enqueue: { oneByOne: 100, bulk: 500, bulkSize: 250 },
  idle: { windowMs: 1500 },
  // A short heartbeat, so that polling does not hold the quick run up.
  cancel: {
    cancels: 20,
    minGapMs: 5,
    maxGapMs: 25,
    heartbeatInterval: { 'change-stream': 10_000, polling: 500 },
  },
  management: { jobs: 2000, names: 10, calls: 3, statsCalls: 2, warmupCalls: 1, pages: 3 },
};

/** The settings of a mode. */
export function settingsFor(mode: BenchMode): BenchSettings {
  return mode === 'full' ? FULL : QUICK;
}
