import { resolveMonqueOptions } from '@monque/core';
import { classifierFor } from '../commands/classify.js';
import { CommandLog } from '../commands/command-log.js';
import { type CommandCounts, diffCounts } from '../commands/phases.js';
import { databaseName, withDatabase } from '../database.js';
import { createQueue, libraryLabel } from '../libraries/create-queue.js';
import { JOB_NAME, LIBRARIES, type LibraryName, type NotifyMode } from '../libraries/types.js';
import { progress } from '../progress.js';
import { AGENDA_PROCESS_EVERY_MS } from '../settings.js';
import { sleep } from '../stats.js';
import type { ScenarioContext } from './context.js';
import { measureThroughput } from './throughput.js';

/** Commands of one library adding, then processing, a queue of jobs. */
export interface JobCostRun {
  readonly library: LibraryName;
  readonly settings: Readonly<Record<string, string | number | boolean>>;
  readonly jobs: number;
  readonly processed: number;
  readonly capped: boolean;
  readonly processingSeconds: number;
  /** Commands while adding the jobs one by one. */
  readonly enqueue: CommandCounts;
  /** Commands from start until the last job was processed (no enqueue among them). */
  readonly processing: CommandCounts;
}

/** Commands of one idle instance (one worker, empty queue). */
export interface IdleCostRun {
  readonly library: LibraryName;
  readonly label: string;
  readonly settings: Readonly<Record<string, string | number | boolean>>;
  readonly windowSeconds: number;
  readonly commands: CommandCounts;
  readonly commandsPerSecond: number;
  /** Monque's backup (or regular) poll interval, or Agenda's processEvery (ms). */
  readonly pollIntervalMs: number;
  /** Empty claims per poll interval (one claim per worker name is one poll). */
  readonly emptyPollsPerInterval: number;
}

export interface CostResult {
  readonly jobs: readonly JobCostRun[];
  readonly idle: readonly IdleCostRun[];
}

async function measureJobCost(context: ScenarioContext, library: LibraryName): Promise<JobCostRun> {
  const { jobs, concurrency, timeCapMs } = context.settings.cost;
  const dbName = databaseName('cost', library);
  return withDatabase(context.uri, dbName, async (db, client) => {
    const log = new CommandLog(client, classifierFor(library));
    const queue = await createQueue(library, {
      db,
      names: [JOB_NAME],
      concurrency,
      notify: library === 'monque' ? 'change-stream' : 'polling',
    });
    const beforeEnqueue = log.snapshot();
    for (let seq = 0; seq < jobs; seq += 1) {
      await queue.enqueue(JOB_NAME, seq);
    }
    const beforeProcessing = log.snapshot();
    let afterProcessing = beforeProcessing;
    const measurement = await measureThroughput(queue, jobs, timeCapMs, () => {
      afterProcessing = log.snapshot();
    });
    log.detach();
    return {
      library,
      settings: queue.settings,
      jobs,
      processed: measurement.processed,
      capped: measurement.capped,
      processingSeconds: measurement.seconds,
      enqueue: diffCounts(beforeProcessing, beforeEnqueue),
      processing: diffCounts(afterProcessing, beforeProcessing),
    };
  });
}

interface IdleConfig {
  readonly library: LibraryName;
  readonly notify: NotifyMode;
  readonly pollIntervalMs: number | undefined;
  readonly label: string;
  /** The interval empty polls are counted per. */
  readonly perIntervalMs: number;
}

function idleConfigs(): IdleConfig[] {
  const monque = resolveMonqueOptions();
  return [
    {
      library: 'monque',
      notify: 'change-stream',
      pollIntervalMs: undefined,
      label: `Monque, change stream (defaults: backupPollInterval ${monque.backupPollInterval} ms)`,
      perIntervalMs: monque.backupPollInterval,
    },
    {
      library: 'monque',
      notify: 'polling',
      pollIntervalMs: monque.pollInterval,
      label: `Monque, polling (default pollInterval ${monque.pollInterval} ms)`,
      perIntervalMs: monque.pollInterval,
    },
    {
      library: 'agenda',
      notify: 'polling',
      pollIntervalMs: AGENDA_PROCESS_EVERY_MS,
      label: `Agenda, processEvery ${AGENDA_PROCESS_EVERY_MS} ms (benchmark setting)`,
      perIntervalMs: AGENDA_PROCESS_EVERY_MS,
    },
    {
      library: 'agenda',
      notify: 'polling',
      pollIntervalMs: 5000,
      label: 'Agenda, processEvery 5000 ms (default)',
      perIntervalMs: 5000,
    },
  ];
}

async function measureIdle(
  context: ScenarioContext,
  config: IdleConfig,
  index: number,
): Promise<IdleCostRun> {
  const windowMs = context.settings.cost.idleWindowMs;
  const dbName = databaseName('idle', config.library, String(index));
  return withDatabase(context.uri, dbName, async (db, client) => {
    const log = new CommandLog(client, classifierFor(config.library));
    const queue = await createQueue(config.library, {
      db,
      names: [JOB_NAME],
      concurrency: 10,
      notify: config.notify,
      pollIntervalMs: config.pollIntervalMs,
    });
    await queue.start({});
    await Promise.race([queue.listening(), sleep(10_000)]);
    // Let start-up work (index creation, first claims, stream opening) pass.
    await sleep(Math.min(1000, windowMs / 4));
    const before = log.snapshot();
    const startedAt = performance.now();
    await sleep(windowMs);
    const after = log.snapshot();
    const windowSeconds = (performance.now() - startedAt) / 1000;
    await queue.stop();
    log.detach();
    const commands = diffCounts(after, before);
    return {
      library: config.library,
      label: config.label,
      settings: queue.settings,
      windowSeconds,
      commands,
      commandsPerSecond: commands.total / windowSeconds,
      pollIntervalMs: config.perIntervalMs,
      emptyPollsPerInterval:
        commands.byPhase.emptyPoll / ((windowSeconds * 1000) / config.perIntervalMs),
    };
  });
}

/**
 * Scenario 5: database commands per job (driver command monitoring), by phase — adding the jobs
 * one by one, then processing them at saturation — and commands per second of idle instances.
 */
export async function runCost(context: ScenarioContext): Promise<CostResult> {
  const jobs: JobCostRun[] = [];
  for (const library of LIBRARIES) {
    const run = await measureJobCost(context, library);
    jobs.push(run);
    progress(
      'cost',
      `${libraryLabel(library)}: ${(run.processing.total / Math.max(1, run.processed)).toFixed(2)} ` +
        `commands per processed job, ${(run.enqueue.total / run.jobs).toFixed(2)} per enqueue`,
    );
  }
  const configs = idleConfigs();
  progress(
    'cost',
    `idle: ${configs.length} idle instances side by side for ${(context.settings.cost.idleWindowMs / 1000).toFixed(0)} s`,
  );
  const idle = await Promise.all(
    configs.map((config, index) => measureIdle(context, config, index)),
  );
  for (const run of idle) {
    progress('cost', `idle ${run.label}: ${run.commandsPerSecond.toFixed(2)} commands/s`);
  }
  return { jobs, idle };
}
