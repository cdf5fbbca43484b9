import type { RunRecord } from '../harness/worker-handle.js';
import type { LibraryName } from '../libraries/types.js';
import type { BenchResults } from '../results.js';
import type { ManagementResult } from '../scenarios/management.js';
import type { ProcessingConfigResult } from '../scenarios/processing.js';
import { type Distribution, distribution, type Spread, spread } from '../stats.js';

/** The figures of one library in one processing configuration, over its repetitions. */
export interface ProcessingRow {
  readonly library: LibraryName;
  readonly runs: number;
  readonly cappedRuns: number;
  readonly processed: Spread;
  /** Processed ÷ time from start() to the last outcome (or the cap). */
  readonly jobsPerSecond: Spread;
  /** Between the outcomes of 10 % and 90 % of the processed jobs. */
  readonly steadyJobsPerSecond: Spread;
  /** Requests the store answered per processed job. */
  readonly requestsPerJob: Spread;
  /** Worker process CPU (user + system) per processed job, µs. */
  readonly cpuUsPerJob: Spread;
  /** Server process CPU per processed job, µs (null where the store cannot tell). */
  readonly serverCpuUsPerJob: Spread | null;
  /** Worker event-loop utilization (0–1). */
  readonly workerLoopBusy: Spread;
  /** Server CPU time ÷ wall time (1 = one core busy). */
  readonly serverBusy: Spread | null;
  /** Σ handler time ÷ (slots × time), steady rate (async handlers only). */
  readonly slotUtilization: Spread | null;
  readonly handlerMeanMs: Spread;
  /**
   * Time each job's slot sat without a running handler, at the steady rate (ms): slots ÷ rate −
   * mean handler time (async handlers only).
   */
  readonly idleSlotMsPerJob: Spread | null;
  /** The store's round-trip time as the library saw it right after each run (ms). */
  readonly roundTripMs: Spread;
  /** Requests per processed job by command, over all repetitions. */
  readonly requestsByCommand: Readonly<Record<string, number>>;
  readonly errors: number;
  readonly warnings: number;
}

function perJob(
  values: readonly RunRecord[],
  pick: (run: RunRecord, processed: number) => number,
): Spread {
  return spread(
    values.map((run) =>
      run.measurement.kind === 'processing' && run.measurement.processed > 0
        ? pick(run, run.measurement.processed)
        : Number.NaN,
    ),
  );
}

function processingOf(run: RunRecord) {
  if (run.measurement.kind !== 'processing') {
    throw new Error('not a processing run');
  }
  return run.measurement;
}

/** The rows of one processing configuration, one per library, in table order. */
export function processingRows(
  result: ProcessingConfigResult,
  libraries: readonly LibraryName[],
): ProcessingRow[] {
  const rows: ProcessingRow[] = [];
  const slots = result.config.concurrency * result.config.names;
  const timed = result.config.handler === 'async-5ms' || result.config.handler === 'async-50ms';
  for (const library of libraries) {
    const runs = result.runs.filter((run) => run.library === library);
    if (runs.length === 0) continue;
    const measurements = runs.map(processingOf);
    const hasServerCpu = runs.every((run) => run.requests.serverCpuUs !== null);
    const totalProcessed = measurements.reduce((sum, m) => sum + m.processed, 0);
    const byCommand: Record<string, number> = {};
    for (const run of runs) {
      for (const [command, count] of Object.entries(run.requests.byCommand)) {
        byCommand[command] = (byCommand[command] ?? 0) + count / Math.max(1, totalProcessed);
      }
    }
    rows.push({
      library,
      runs: runs.length,
      cappedRuns: measurements.filter((m) => m.capped).length,
      processed: spread(measurements.map((m) => m.processed)),
      jobsPerSecond: spread(measurements.map((m) => m.processed / m.seconds)),
      steadyJobsPerSecond: spread(measurements.map((m) => m.steadyJobsPerSecond)),
      requestsPerJob: perJob(runs, (run, processed) => run.requests.total / processed),
      cpuUsPerJob: perJob(
        runs,
        (run, processed) => (run.worker.userUs + run.worker.systemUs) / processed,
      ),
      serverCpuUsPerJob: hasServerCpu
        ? perJob(runs, (run, processed) => (run.requests.serverCpuUs ?? 0) / processed)
        : null,
      workerLoopBusy: spread(runs.map((run) => run.worker.eventLoopUtilization)),
      serverBusy: hasServerCpu
        ? spread(
            runs.map((run) => (run.requests.serverCpuUs ?? 0) / (processingOf(run).seconds * 1e6)),
          )
        : null,
      slotUtilization: timed
        ? spread(measurements.map((m) => (m.steadyJobsPerSecond * m.handlerMeanMs) / 1000 / slots))
        : null,
      handlerMeanMs: spread(measurements.map((m) => m.handlerMeanMs)),
      idleSlotMsPerJob: timed
        ? spread(measurements.map((m) => (slots * 1000) / m.steadyJobsPerSecond - m.handlerMeanMs))
        : null,
      roundTripMs: spread(runs.map((run) => run.roundTripMs)),
      requestsByCommand: byCommand,
      ...outcomeTotals(runs),
    });
  }
  return rows;
}

/** Enqueue → start latency of one library in one mode: pooled over its repetitions. */
export interface LatencyRow {
  readonly library: LibraryName;
  readonly runs: number;
  readonly pooled: Distribution;
  readonly p50: Spread;
  readonly p99: Spread;
  readonly notStarted: number;
  /**
   * Requests per job and worker CPU per job (µs) over the whole measurement: enqueue,
   * notification, claim, outcome, and whatever the instance sends while it waits between jobs.
   */
  readonly requestsPerJob: Spread;
  readonly cpuUsPerJob: Spread;
  readonly errors: number;
  readonly warnings: number;
}

export function latencyRows(
  runs: readonly RunRecord[],
  libraries: readonly LibraryName[],
): LatencyRow[] {
  const rows: LatencyRow[] = [];
  for (const library of libraries) {
    const mine = runs.filter((run) => run.library === library);
    if (mine.length === 0) continue;
    const perRun = mine.map((run) => {
      const latencies = run.measurement.kind === 'latency' ? run.measurement.latencies : [];
      const handled =
        latencies.length + (run.measurement.kind === 'latency' ? run.measurement.warmupJobs : 0);
      const started = latencies.filter((value): value is number => value !== null);
      return { run, latencies, handled, started, summary: distribution(started) };
    });
    rows.push({
      library,
      runs: mine.length,
      pooled: distribution(perRun.flatMap((entry) => entry.started)),
      p50: spread(perRun.map((entry) => entry.summary.p50)),
      p99: spread(perRun.map((entry) => entry.summary.p99)),
      notStarted: perRun.reduce(
        (sum, entry) => sum + entry.latencies.length - entry.started.length,
        0,
      ),
      requestsPerJob: spread(
        perRun.map((entry) => entry.run.requests.total / Math.max(1, entry.handled)),
      ),
      cpuUsPerJob: spread(
        perRun.map(
          (entry) =>
            (entry.run.worker.userUs + entry.run.worker.systemUs) / Math.max(1, entry.handled),
        ),
      ),
      ...outcomeTotals(mine),
    });
  }
  return rows;
}

/** Enqueue figures of one library and method, over its repetitions. */
export interface EnqueueRow {
  readonly library: LibraryName;
  readonly jobs: number;
  readonly jobsPerSecond: Spread;
  readonly requestsPerJob: Spread;
  readonly cpuUsPerJob: Spread;
}

export function enqueueRows(
  runs: readonly RunRecord[],
  libraries: readonly LibraryName[],
): EnqueueRow[] {
  const rows: EnqueueRow[] = [];
  for (const library of libraries) {
    const mine = runs.filter(
      (run) => run.library === library && run.measurement.kind === 'enqueue',
    );
    if (mine.length === 0) continue;
    const jobs = (run: RunRecord): number =>
      run.measurement.kind === 'enqueue' ? run.measurement.jobs : 0;
    rows.push({
      library,
      jobs: jobs(mine[0] as RunRecord),
      jobsPerSecond: spread(
        mine.map((run) =>
          run.measurement.kind === 'enqueue'
            ? run.measurement.jobs / run.measurement.seconds
            : Number.NaN,
        ),
      ),
      requestsPerJob: spread(mine.map((run) => run.requests.total / Math.max(1, jobs(run)))),
      cpuUsPerJob: spread(
        mine.map((run) => (run.worker.userUs + run.worker.systemUs) / Math.max(1, jobs(run))),
      ),
    });
  }
  return rows;
}

/** The figures of one management operation over the repetitions. */
export interface ManagementRow {
  readonly id: string;
  /** Every timed call of every repetition. */
  readonly pooled: Distribution;
  /** The median call of each repetition. */
  readonly medianPerRun: Spread;
}

/** One row per management operation, in the order they ran. */
export function managementRows(result: ManagementResult): ManagementRow[] {
  const times = new Map<string, number[][]>();
  for (const run of result.runs) {
    if (run.measurement.kind !== 'management') continue;
    for (const { id, ms } of run.measurement.operations) {
      times.set(id, [...(times.get(id) ?? []), [...ms]]);
    }
  }
  return [...times].map(([id, perRun]) => ({
    id,
    pooled: distribution(perRun.flat()),
    medianPerRun: spread(perRun.map((ms) => distribution(ms).p50)),
  }));
}

/** What every run records besides its figures. */
interface Outcome {
  readonly errors: number;
  readonly warnings: readonly string[];
}

/** Library error events and warnings of some runs, added up. */
function outcomeTotals(runs: readonly Outcome[]): { errors: number; warnings: number } {
  return {
    errors: runs.reduce((sum, run) => sum + run.errors, 0),
    warnings: runs.reduce((sum, run) => sum + run.warnings.length, 0),
  };
}

/** Every run of every scenario, warm-ups included. */
function everyRun(results: BenchResults): Outcome[] {
  const { enqueue, processing, latency, idle, management } = results.scenarios;
  return [
    ...(enqueue?.oneByOne ?? []),
    ...(enqueue?.bulk ?? []),
    ...(processing?.warmups ?? []),
    ...(processing?.configs.flatMap((config) => config.runs) ?? []),
    ...(latency?.modes.flatMap((mode) => mode.runs) ?? []),
    ...(idle?.runs ?? []),
    ...(management === undefined ? [] : [management]),
  ];
}

/** Every warning and unhandled error of the run, harness and workers, with how often. */
export function allWarnings(results: BenchResults): { message: string; count: number }[] {
  const messages = [
    ...results.harnessWarnings,
    ...everyRun(results).flatMap((run) => run.warnings),
  ];
  const counts = new Map<string, number>();
  for (const message of messages) {
    counts.set(message, (counts.get(message) ?? 0) + 1);
  }
  return [...counts].map(([message, count]) => ({ message, count }));
}

/** Errors the libraries reported through their error events, over the whole run. */
export function libraryErrors(results: BenchResults): number {
  return outcomeTotals(everyRun(results)).errors;
}

/**
 * A run is clean when nothing failed, no library reported an error and no process warned or
 * left an error unhandled.
 */
export function isClean(results: BenchResults): boolean {
  return (
    results.failures.length === 0 &&
    allWarnings(results).length === 0 &&
    libraryErrors(results) === 0
  );
}
