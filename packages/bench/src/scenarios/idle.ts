import { costBetween, type ProcessCost, type RunSpec } from '../children/ipc.js';
import type { RequestCounts, WorkerHandle } from '../harness/worker-handle.js';
import { JOB_NAME, type LibraryName, libraryLabel } from '../libraries/types.js';
import { progress } from '../progress.js';
import { sleep } from '../stats.js';
import { runRequests } from '../stores/store.js';
import type { ScenarioContext } from './context.js';

/** One idle instance (one worker, empty queue) watched for a window. */
export interface IdleRun {
  readonly library: LibraryName;
  readonly settings: Readonly<Record<string, string | number | boolean>>;
  readonly windowSeconds: number;
  readonly requests: RequestCounts;
  readonly worker: ProcessCost;
  readonly errors: number;
  readonly warnings: readonly string[];
}

export interface IdleResult {
  readonly runs: readonly IdleRun[];
}

async function watch(context: ScenarioContext, worker: WorkerHandle): Promise<IdleRun> {
  const spec: RunSpec = {
    runId: context.nextRunId(),
    names: [JOB_NAME],
    concurrency: 10,
    mode: 'throughput',
    workload: { kind: 'idle' },
    profile: false,
  };
  const settings = await worker.prepare(spec);
  await worker.go();
  const beforeCounts = await worker.store.counts();
  const beforeCost = await worker.sample();
  const startedAt = performance.now();
  await sleep(context.settings.idle.windowMs);
  const afterCounts = await worker.store.counts();
  const afterCost = await worker.sample();
  const windowSeconds = (performance.now() - startedAt) / 1000;
  const stopped = await worker.stop();
  const cost = costBetween(beforeCost, afterCost);
  return {
    library: worker.library,
    settings,
    windowSeconds,
    requests: runRequests(worker.store, beforeCounts, afterCounts, cost.clientRequests),
    worker: cost,
    errors: stopped.errors,
    warnings: stopped.warnings,
  };
}

/**
 * Idle: one instance per library, one worker, empty queue, its requests counted by its store over
 * a window. Libraries on different stores are watched at the same time; those sharing a store
 * one after the other (the store's counts cannot tell them apart).
 */
export async function runIdle(context: ScenarioContext): Promise<IdleResult> {
  const rounds: WorkerHandle[][] = [];
  for (const worker of context.workers) {
    const round = rounds.find((candidate) =>
      candidate.every((other) => other.store !== worker.store),
    );
    if (round === undefined) {
      rounds.push([worker]);
    } else {
      round.push(worker);
    }
  }
  const runs: IdleRun[] = [];
  for (const round of rounds) {
    progress(
      'idle',
      `${round.map((worker) => libraryLabel(worker.library)).join(', ')} idle for ${(context.settings.idle.windowMs / 1000).toFixed(0)} s`,
    );
    runs.push(...(await Promise.all(round.map((worker) => watch(context, worker)))));
  }
  return { runs };
}
