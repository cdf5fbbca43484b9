/** Which run: the full benchmark, or the quick one that keeps the harness working. */
export type BenchMode = 'full' | 'quick';

/** Sizes and time caps of every scenario. */
export interface BenchSettings {
  readonly mode: BenchMode;
  readonly enqueue: {
    /** Jobs added one by one (and in bulk, where the library can). */
    readonly jobs: number;
  };
  readonly processing: {
    /** Due jobs in the queue before the instance starts (the size; targets use it). */
    readonly jobs: number;
    /** Further, smaller queue sizes run as well (so the server's per-claim cost is low). */
    readonly extraBacklogs: readonly number[];
    readonly concurrencies: readonly number[];
    /** A run stops after this long even when jobs are left; throughput is measured over it. */
    readonly timeCapMs: number;
  };
  readonly latency: {
    readonly jobs: number;
    /** Jobs before the measurement (not counted). */
    readonly warmupJobs: number;
    /** Enqueue gap: uniform between these two (ms), so arrivals are not phase-locked to polls. */
    readonly minGapMs: number;
    readonly maxGapMs: number;
    /** Job names used round-robin, so that each name sees a job at most every names × minGap ms. */
    readonly names: number;
    /** Monque's `pollInterval` in polling mode and Agenda's `processEvery` (ms). */
    readonly pollIntervalMs: number;
  };
  readonly scaling: {
    readonly jobs: number;
    readonly instances: readonly number[];
    /** Worker concurrency of each instance. */
    readonly concurrency: number;
    readonly timeCapMs: number;
  };
  readonly cost: {
    /** Jobs enqueued one by one and then processed, with every command counted. */
    readonly jobs: number;
    readonly concurrency: number;
    readonly timeCapMs: number;
    /** How long the idle instances are watched (ms); must cover several backup polls. */
    readonly idleWindowMs: number;
  };
  readonly memory: {
    /** Jobs processed in total, and the checkpoint growth is measured from. */
    readonly totalJobs: number;
    readonly checkpointJobs: number;
    /** Jobs enqueued per round (processed, then deleted, so the queue stays small). */
    readonly batch: number;
    readonly concurrency: number;
    /** Per library; when reached before `totalJobs`, growth is measured to where it got. */
    readonly timeCapMs: number;
  };
}

/** Agenda's tuning in the throughput scenarios (documented in the results). */
export const AGENDA_PROCESS_EVERY_MS = 100;

/** Agenda's per-name lock limit for a tested concurrency: enough to keep every slot busy. */
export function agendaLockLimit(concurrency: number): number {
  return Math.max(50, 10 * concurrency);
}

const FULL: BenchSettings = {
  mode: 'full',
  enqueue: { jobs: 10_000 },
  processing: {
    jobs: 10_000,
    extraBacklogs: [1000],
    concurrencies: [1, 10, 50],
    timeCapMs: 12_000,
  },
  latency: {
    jobs: 1000,
    warmupJobs: 20,
    minGapMs: 8,
    maxGapMs: 16,
    names: 16,
    pollIntervalMs: 100,
  },
  scaling: { jobs: 20_000, instances: [1, 2, 4], concurrency: 10, timeCapMs: 12_000 },
  cost: { jobs: 2000, concurrency: 10, timeCapMs: 30_000, idleWindowMs: 30_000 },
  memory: {
    totalJobs: 100_000,
    checkpointJobs: 10_000,
    batch: 1000,
    concurrency: 10,
    timeCapMs: 45_000,
  },
};

const QUICK: BenchSettings = {
  mode: 'quick',
  enqueue: { jobs: 200 },
  processing: { jobs: 300, extraBacklogs: [], concurrencies: [1, 10, 50], timeCapMs: 1500 },
  latency: {
    jobs: 30,
    warmupJobs: 3,
    minGapMs: 8,
    maxGapMs: 16,
    names: 16,
    pollIntervalMs: 100,
  },
  scaling: { jobs: 300, instances: [1, 2, 4], concurrency: 10, timeCapMs: 1500 },
  cost: { jobs: 150, concurrency: 10, timeCapMs: 5000, idleWindowMs: 2000 },
  memory: {
    totalJobs: 400,
    checkpointJobs: 200,
    batch: 200,
    concurrency: 10,
    timeCapMs: 5000,
  },
};

/** The settings of a mode. */
export function settingsFor(mode: BenchMode): BenchSettings {
  return mode === 'full' ? FULL : QUICK;
}
