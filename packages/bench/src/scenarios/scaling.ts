import { type ChildProcess, fork } from 'node:child_process';
import {
  exited,
  isMessage,
  nextMessage,
  type ScalingReport,
  type ScalingWorkerConfig,
} from '../children/ipc.js';
import { databaseName, withDatabase } from '../database.js';
import { createQueue, libraryLabel } from '../libraries/create-queue.js';
import { JOB_NAME, LIBRARIES, type LibraryName } from '../libraries/types.js';
import { progress } from '../progress.js';
import { seedDueJobs } from '../seed.js';
import { sleep } from '../stats.js';
import { siblingProgram } from '../substrate.js';
import type { ScenarioContext } from './context.js';

/** One library with some number of instance processes. */
export interface ScalingRun {
  readonly library: LibraryName;
  readonly instances: number;
  readonly concurrencyPerInstance: number;
  readonly jobs: number;
  readonly processed: number;
  readonly seconds: number;
  readonly jobsPerSecond: number;
  readonly capped: boolean;
  /** Jobs each instance processed (shows how evenly the work spread). */
  readonly perInstance: readonly number[];
  readonly errors: number;
}

export interface ScalingResult {
  readonly runs: readonly ScalingRun[];
}

/** How long an instance gets to stop before it is killed. */
const STOP_GRACE_MS = 5000;

interface Worker {
  readonly child: ChildProcess;
  completed: number;
}

function forkWorker(): Worker {
  const child = fork(siblingProgram('scaling-worker'), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const worker: Worker = { child, completed: 0 };
  child.on('message', (message: unknown) => {
    if (isMessage(message) && message.type === 'progress') {
      worker.completed = (message as Extract<ScalingReport, { type: 'progress' }>).completed;
    }
  });
  return worker;
}

async function runInstances(
  context: ScenarioContext,
  library: LibraryName,
  instances: number,
  dbName: string,
): Promise<Omit<ScalingRun, 'library' | 'instances' | 'concurrencyPerInstance'>> {
  const { jobs, concurrency, timeCapMs } = context.settings.scaling;
  const workers = Array.from({ length: instances }, forkWorker);
  try {
    const config: ScalingWorkerConfig = {
      type: 'config',
      uri: context.uri,
      dbName,
      library,
      concurrency,
    };
    await Promise.all(
      workers.map((worker) => {
        const ready = nextMessage(worker.child, 'ready');
        worker.child.send(config);
        return ready;
      }),
    );
    const total = (): number => workers.reduce((sum, worker) => sum + worker.completed, 0);
    const startedAt = performance.now();
    for (const worker of workers) {
      worker.child.send({ type: 'go' });
    }
    const deadline = startedAt + timeCapMs;
    while (total() < jobs && performance.now() < deadline) {
      await sleep(20);
    }
    const seconds = (performance.now() - startedAt) / 1000;
    const processed = Math.min(jobs, total());
    const perInstance = workers.map((worker) => worker.completed);
    // An instance that has not stopped within the grace period is killed (a library whose
    // queue of lock commands is still draining on a slow server); that is counted as an error.
    const stopped = await Promise.all(
      workers.map((worker) => {
        const done = nextMessage<Extract<ScalingReport, { type: 'stopped' }>>(
          worker.child,
          'stopped',
        ).then(
          (report) => report.errors,
          () => 1,
        );
        worker.child.send({ type: 'stop' });
        return Promise.race([done, sleep(STOP_GRACE_MS).then(() => 1)]);
      }),
    );
    return {
      jobs,
      processed,
      seconds,
      jobsPerSecond: processed / seconds,
      capped: processed < jobs,
      perInstance,
      errors: stopped.reduce((sum, errors) => sum + errors, 0),
    };
  } finally {
    for (const worker of workers) {
      if (worker.child.exitCode === null && worker.child.signalCode === null) {
        worker.child.kill();
      }
    }
    await Promise.all(workers.map((worker) => exited(worker.child)));
  }
}

/**
 * Scenario 4: 1, 2 and 4 instances — each its own process (child_process.fork of the built
 * worker) — on one queue of due jobs. Jobs/s counts from `go` until every job is processed.
 */
export async function runScaling(context: ScenarioContext): Promise<ScalingResult> {
  const { jobs, instances: counts, concurrency } = context.settings.scaling;
  const runs: ScalingRun[] = [];
  for (const instances of counts) {
    for (const library of LIBRARIES) {
      const dbName = databaseName('scaling', library, `i${instances}`);
      const measured = await withDatabase(context.uri, dbName, async (db) => {
        const seeder = await createQueue(library, {
          db,
          names: [JOB_NAME],
          concurrency,
          notify: 'polling',
        });
        await seedDueJobs(seeder, JOB_NAME, jobs);
        return runInstances(context, library, instances, dbName);
      });
      const run: ScalingRun = {
        library,
        instances,
        concurrencyPerInstance: concurrency,
        ...measured,
      };
      runs.push(run);
      progress(
        'scaling',
        `${libraryLabel(library)} ×${instances}: ${run.jobsPerSecond.toFixed(0)} jobs/s ` +
          `(${run.processed}/${run.jobs} in ${run.seconds.toFixed(1)} s${run.capped ? ', time cap' : ''})`,
      );
    }
  }
  return { runs };
}
