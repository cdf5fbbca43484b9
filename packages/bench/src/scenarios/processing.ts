import { classifierFor } from '../commands/classify.js';
import { CommandLog } from '../commands/command-log.js';
import { type CommandCounts, diffCounts } from '../commands/phases.js';
import { databaseName, withDatabase } from '../database.js';
import { createQueue, libraryLabel } from '../libraries/create-queue.js';
import { JOB_NAME, LIBRARIES, type LibraryName } from '../libraries/types.js';
import { progress } from '../progress.js';
import { seedDueJobs } from '../seed.js';
import type { ScenarioContext } from './context.js';
import { measureThroughput, type ThroughputMeasurement } from './throughput.js';

/** One library at one concurrency. */
export interface ProcessingRun extends ThroughputMeasurement {
  readonly library: LibraryName;
  readonly concurrency: number;
  readonly settings: Readonly<Record<string, string | number | boolean>>;
  /** Commands sent while processing (after seeding, until the measurement ended). */
  readonly commands: CommandCounts;
  readonly errors: number;
}

export interface ProcessingResult {
  readonly runs: readonly ProcessingRun[];
  /** The queue size of the issue (10 000 in a full run); the targets use these runs. */
  readonly mainBacklog: number;
}

/**
 * Scenario 2: one instance, a queue of due no-op jobs, at each concurrency. Monque with its
 * defaults (change stream); Agenda polling every 100 ms with lock limits that keep every slot
 * busy.
 */
export async function runProcessing(context: ScenarioContext): Promise<ProcessingResult> {
  const {
    jobs: mainBacklog,
    extraBacklogs,
    concurrencies,
    timeCapMs,
  } = context.settings.processing;
  const runs: ProcessingRun[] = [];
  for (const jobs of [mainBacklog, ...extraBacklogs]) {
    for (const concurrency of concurrencies) {
      for (const library of LIBRARIES) {
        const name = databaseName('processing', library, `${jobs}_c${concurrency}`);
        const run = await withDatabase(context.uri, name, async (db, client) => {
          const queue = await createQueue(library, {
            db,
            names: [JOB_NAME],
            concurrency,
            notify: library === 'monque' ? 'change-stream' : 'polling',
          });
          await seedDueJobs(queue, JOB_NAME, jobs);
          const log = new CommandLog(client, classifierFor(library));
          const before = log.snapshot();
          let after = before;
          const measurement = await measureThroughput(queue, jobs, timeCapMs, () => {
            after = log.snapshot();
          });
          log.detach();
          return {
            ...measurement,
            library,
            concurrency,
            settings: queue.settings,
            commands: diffCounts(after, before),
            errors: queue.errors,
          };
        });
        runs.push(run);
        progress(
          'processing',
          `${libraryLabel(library)} backlog ${jobs}, c=${concurrency}: ` +
            `${run.jobsPerSecond.toFixed(0)} jobs/s (${run.processed}/${run.jobs} in ` +
            `${run.seconds.toFixed(1)} s${run.capped ? ', time cap' : ''})`,
        );
      }
    }
  }
  return { runs, mainBacklog };
}
