import type { LatencySpec, RunSpec } from '../children/ipc.js';
import type { RunRecord } from '../harness/worker-handle.js';
import { JOB_NAME, libraryLabel } from '../libraries/types.js';
import { progress } from '../progress.js';
import { distribution } from '../stats.js';
import { jobNames, orderFor, type ScenarioContext } from './context.js';

/** One way jobs arrive: all of one name, or rotating over several. */
export interface LatencyMode {
  readonly id: 'hot-name' | 'rotating-names';
  readonly names: number;
}

export interface LatencyModeResult {
  readonly mode: LatencyMode;
  readonly runs: readonly RunRecord[];
}

export interface LatencyResult {
  readonly method: string;
  readonly modes: readonly LatencyModeResult[];
}

function specFor(context: ScenarioContext, mode: LatencyMode): RunSpec {
  const { jobs, warmupJobs, minGapMs, maxGapMs, settleMs, concurrency } = context.settings.latency;
  const workload: LatencySpec = { kind: 'latency', jobs, warmupJobs, minGapMs, maxGapMs, settleMs };
  return {
    runId: context.nextRunId(),
    names: jobNames(mode.names, JOB_NAME, 'bench-latency'),
    concurrency,
    mode: 'latency',
    workload,
    profile: false,
  };
}

/**
 * Latency: enqueue call → handler start at an idle instance, jobs arriving open-loop with random
 * gaps. Every library with all jobs of one (hot) job name; Monque also with the jobs rotating over
 * several names, which shows what one job name's claims in a row cost next to claims of
 * different names.
 */
export async function runLatency(context: ScenarioContext): Promise<LatencyResult> {
  const { jobs, minGapMs, maxGapMs, rotatingNames } = context.settings.latency;
  const modes: { mode: LatencyMode; workers: typeof context.workers }[] = [
    { mode: { id: 'hot-name', names: 1 }, workers: context.workers },
    {
      mode: { id: 'rotating-names', names: rotatingNames },
      workers: context.workers.filter((worker) => worker.library === 'monque'),
    },
  ];
  const results: LatencyModeResult[] = [];
  for (const { mode, workers } of modes) {
    const runs: RunRecord[] = [];
    for (let repetition = 0; repetition < context.settings.repetitions; repetition += 1) {
      for (const [position, worker] of orderFor(workers, repetition).entries()) {
        const run = await worker.run(specFor(context, mode), repetition, position);
        runs.push(run);
        if (run.measurement.kind === 'latency') {
          const started = run.measurement.latencies.filter((value) => value !== null);
          const summary = distribution(started);
          progress(
            'latency',
            `${mode.id} #${repetition + 1} ${libraryLabel(worker.library)}: p50 ${summary.p50.toFixed(1)} ms, ` +
              `p99 ${summary.p99.toFixed(1)} ms (${jobs - started.length} not started)`,
          );
        }
      }
    }
    results.push({ mode, runs });
  }
  return {
    method:
      `${jobs} jobs per run, enqueued open-loop every ${minGapMs}–${maxGapMs} ms (uniform, seeded) ` +
      'by the worker process itself; latency = enqueue call → handler start (one process clock)',
    modes: results,
  };
}
