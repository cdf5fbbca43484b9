import type { ProcessingSpec, RunSpec } from '../children/ipc.js';
import type { ProfiledRun, RunRecord } from '../harness/worker-handle.js';
import { JOB_NAME, libraryLabel } from '../libraries/types.js';
import { progress } from '../progress.js';
import type { ProcessingConfig } from '../settings.js';
import { jobNames, orderFor, type ScenarioContext } from './context.js';

export interface ProcessingConfigResult {
  readonly config: ProcessingConfig;
  /** Every measured run: each library once per repetition. */
  readonly runs: readonly RunRecord[];
  /** The extra profiled run per library, where this configuration is profiled. */
  readonly profiles: readonly ProfiledRun[];
}

export interface ProcessingResult {
  readonly timeCapMs: number;
  /** CPU time of one CPU-bound handler call, measured alone per worker process (µs). */
  readonly handlerCpuUs: Readonly<Record<string, number>>;
  readonly warmups: readonly RunRecord[];
  readonly configs: readonly ProcessingConfigResult[];
}

function specFor(context: ScenarioContext, config: ProcessingConfig): RunSpec {
  const workload: ProcessingSpec = {
    kind: 'processing',
    handler: config.handler,
    ...(config.flow === undefined ? {} : { flow: config.flow }),
    jobs: config.jobs,
    timeCapMs: context.settings.processing.timeCapMs,
  };
  return {
    runId: context.nextRunId(),
    names: jobNames(config.names, JOB_NAME, 'bench-job'),
    concurrency: config.concurrency,
    mode: 'throughput',
    workload,
    profile: false,
  };
}

function describe(run: RunRecord): string {
  const m = run.measurement;
  if (m.kind !== 'processing') {
    return '';
  }
  return (
    `${Math.round(m.processed / m.seconds)} jobs/s (${m.processed}/${m.jobs} in ${m.seconds.toFixed(1)} s` +
    `${m.capped ? ', time cap' : ''}), ${(run.requests.total / Math.max(1, m.processed)).toFixed(2)} requests/job`
  );
}

/**
 * Processing: one instance per library on a standing queue of due jobs, for each workload;
 * every library once per repetition, in alternating order, after one discarded warm-up run each.
 */
export async function runProcessing(context: ScenarioContext): Promise<ProcessingResult> {
  const { configs, warmup, profiled } = context.settings.processing;
  const warmups: RunRecord[] = [];
  for (const worker of context.workers) {
    warmups.push(await worker.run(specFor(context, warmup), -1, 0));
  }
  const results: ProcessingConfigResult[] = [];
  for (const config of configs) {
    const runs: RunRecord[] = [];
    // Flow control is Monque's: those runs compare Monque with itself (the same config without).
    const workers =
      config.flow === undefined
        ? context.workers
        : context.workers.filter((worker) => worker.library === 'monque');
    for (let repetition = 0; repetition < context.settings.repetitions; repetition += 1) {
      const order = orderFor(workers, repetition);
      for (const [position, worker] of order.entries()) {
        const run = await worker.run(specFor(context, config), repetition, position);
        runs.push(run);
        progress(
          'processing',
          `${config.id} #${repetition + 1} ${libraryLabel(worker.library)}: ${describe(run)}`,
        );
      }
    }
    const profiles: ProfiledRun[] = [];
    if (profiled.includes(config.id)) {
      for (const worker of workers) {
        profiles.push(await worker.profile(specFor(context, config)));
      }
      progress('processing', `${config.id}: profiled one more run of each library`);
    }
    results.push({ config, runs, profiles });
  }
  return {
    timeCapMs: context.settings.processing.timeCapMs,
    handlerCpuUs: Object.fromEntries(
      context.workers.map((worker) => [worker.library, worker.handlerCpuUs]),
    ),
    warmups,
    configs: results,
  };
}
