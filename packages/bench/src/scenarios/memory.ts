import { fork } from 'node:child_process';
import {
  exited,
  isMessage,
  type MemoryProbeConfig,
  type MemoryReport,
  type MemorySample,
  nextMessage,
} from '../children/ipc.js';
import { databaseName } from '../database.js';
import { libraryLabel } from '../libraries/create-queue.js';
import { LIBRARIES, type LibraryName } from '../libraries/types.js';
import { progress } from '../progress.js';
import { siblingProgram } from '../substrate.js';
import type { ScenarioContext } from './context.js';

const MB = 1024 * 1024;

/** Memory of one library's instance over many processed jobs. */
export interface MemoryRun {
  readonly library: LibraryName;
  readonly baseline: MemorySample;
  readonly checkpoint: MemorySample | null;
  readonly final: MemorySample;
  /** Whether the time cap ended the run before `totalJobs`. */
  readonly capped: boolean;
  /** Why the run stopped early because the library stopped completing jobs, if it did. */
  readonly stalled: string | null;
  readonly elapsedSeconds: number;
  /** Heap growth from the checkpoint to the end (MB), as measured. */
  readonly heapGrowthMB: number | null;
  readonly rssGrowthMB: number | null;
  /** Heap growth scaled linearly to checkpoint → totalJobs, when the run was capped. */
  readonly heapGrowthProjectedMB: number | null;
  readonly errors: number;
}

export interface MemoryResult {
  readonly totalJobs: number;
  readonly checkpointJobs: number;
  readonly batch: number;
  readonly runs: readonly MemoryRun[];
}

async function probe(context: ScenarioContext, library: LibraryName): Promise<MemoryRun> {
  const settings = context.settings.memory;
  const child = fork(siblingProgram('memory-worker'), [], {
    execArgv: ['--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let lastLogged = 0;
  child.on('message', (message: unknown) => {
    if (isMessage(message) && message.type === 'progress') {
      const { processed } = message as Extract<MemoryReport, { type: 'progress' }>;
      if (processed - lastLogged >= settings.totalJobs / 5) {
        lastLogged = processed;
        progress('memory', `${libraryLabel(library)}: ${processed} jobs processed`);
      }
    }
  });
  try {
    const done = nextMessage<Extract<MemoryReport, { type: 'done' }>>(child, 'done');
    const config: MemoryProbeConfig = {
      type: 'config',
      uri: context.uri,
      dbName: databaseName('memory', library),
      library,
      totalJobs: settings.totalJobs,
      checkpointJobs: settings.checkpointJobs,
      batch: settings.batch,
      concurrency: settings.concurrency,
      timeCapMs: settings.timeCapMs,
    };
    child.send(config);
    const report = await done;
    const { checkpoint, final } = report;
    const grew = checkpoint !== null && final.jobsProcessed > checkpoint.jobsProcessed;
    const heapGrowthMB = grew ? (final.heapUsed - checkpoint.heapUsed) / MB : null;
    const rssGrowthMB = grew ? (final.rss - checkpoint.rss) / MB : null;
    const projectedSpan = settings.totalJobs - settings.checkpointJobs;
    const heapGrowthProjectedMB =
      grew && heapGrowthMB !== null
        ? (heapGrowthMB * projectedSpan) / (final.jobsProcessed - checkpoint.jobsProcessed)
        : null;
    return {
      library,
      baseline: report.baseline,
      checkpoint,
      final,
      capped: report.capped,
      stalled: report.stalled,
      elapsedSeconds: report.elapsedMs / 1000,
      heapGrowthMB,
      rssGrowthMB,
      heapGrowthProjectedMB,
      errors: report.errors,
    };
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill();
    }
    await exited(child);
  }
}

/**
 * Scenario 6: heap and RSS of an instance (own process, forced GC) after `checkpointJobs` and
 * after `totalJobs` processed jobs, and the growth between them.
 */
export async function runMemory(context: ScenarioContext): Promise<MemoryResult> {
  const { totalJobs, checkpointJobs, batch } = context.settings.memory;
  const runs: MemoryRun[] = [];
  for (const library of LIBRARIES) {
    const run = await probe(context, library);
    runs.push(run);
    progress(
      'memory',
      `${libraryLabel(library)}: heap ${(run.final.heapUsed / MB).toFixed(1)} MB, ` +
        `RSS ${(run.final.rss / MB).toFixed(1)} MB after ${run.final.jobsProcessed} jobs; ` +
        `heap growth ${run.heapGrowthMB === null ? 'n/a' : `${run.heapGrowthMB.toFixed(2)} MB`}` +
        (run.stalled === null ? (run.capped ? ' (time cap)' : '') : ` (stalled: ${run.stalled})`),
    );
  }
  return { totalJobs, checkpointJobs, batch, runs };
}
