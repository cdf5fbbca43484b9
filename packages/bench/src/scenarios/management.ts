import type { ManagementSpec, Measurement, ProcessCost, RunSpec } from '../children/ipc.js';
import type { RequestCounts } from '../harness/worker-handle.js';
import { managementJobName } from '../libraries/monque-management.js';
import { progress } from '../progress.js';
import { distribution } from '../stats.js';
import { runRequests } from '../stores/store.js';
import type { ScenarioContext } from './context.js';

/** One repetition: every operation timed once more on the same seeded queue. */
export interface ManagementRun {
  readonly repetition: number;
  readonly measurement: Measurement;
  readonly worker: ProcessCost;
  readonly requests: RequestCounts;
}

export interface ManagementResult {
  readonly jobs: number;
  readonly names: number;
  /** How long seeding took (outside every measurement), in seconds. */
  readonly seedSeconds: number;
  readonly runs: readonly ManagementRun[];
  readonly errors: number;
  readonly warnings: readonly string[];
}

/**
 * Management: Monque's `findJobs` and `getStats` on a queue of `jobs` jobs in every status. The
 * queue is seeded once (outside the measurements); each repetition then times every operation
 * call by call, in the worker process, with the store counting the requests. Nothing runs the
 * jobs meanwhile, so every repetition reads the same queue.
 */
export async function runManagement(context: ScenarioContext): Promise<ManagementResult> {
  const worker = context.workers.find((candidate) => candidate.library === 'monque');
  if (worker === undefined) {
    throw new Error('the management scenario needs Monque, which did not start');
  }
  const { jobs, names } = context.settings.management;
  const workload: ManagementSpec = { kind: 'management', ...context.settings.management };
  const spec: RunSpec = {
    runId: context.nextRunId(),
    names: Array.from({ length: names }, (_, index) => managementJobName(index)),
    concurrency: 1,
    mode: 'throughput',
    workload,
    profile: false,
  };
  progress('management', `seeding ${jobs} jobs`);
  const seedStartedAt = performance.now();
  await worker.prepare(spec);
  const seedSeconds = (performance.now() - seedStartedAt) / 1000;
  const runs: ManagementRun[] = [];
  for (let repetition = 0; repetition < context.settings.repetitions; repetition += 1) {
    const before = await worker.quietCounts();
    const measured = await worker.go();
    const after = await worker.store.counts();
    runs.push({
      repetition,
      measurement: measured.measurement,
      worker: measured.cost,
      requests: runRequests(worker.store, before, after, measured.cost.clientRequests),
    });
    if (measured.measurement.kind === 'management') {
      progress(
        'management',
        `repetition ${repetition + 1}: ${measured.measurement.operations
          .map(({ id, ms }) => `${id} p50 ${distribution(ms).p50.toFixed(1)} ms`)
          .join(', ')}`,
      );
    }
  }
  const stopped = await worker.stop();
  return {
    jobs,
    names,
    seedSeconds,
    runs,
    errors: stopped.errors,
    warnings: stopped.warnings,
  };
}
