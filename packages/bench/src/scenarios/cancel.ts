import { type ChildProcess, fork } from 'node:child_process';
import { Monque } from '@monque/core';
import { MongoClient, type ObjectId } from 'mongodb';
import type {
  CancelNotify,
  CancelOwnerConfig,
  CancelOwnerReport,
} from '../children/cancel-protocol.js';
import { machineNow } from '../children/cancel-protocol.js';
import { exited, isMessage, nextMessage } from '../children/ipc.js';
import { progress } from '../progress.js';
import { type Distribution, distribution, seededRandom, sleep } from '../stats.js';
import { siblingProgram } from '../stores/emulator.js';
import type { ScenarioContext } from './context.js';

/** The job name of the cancel scenario. */
const JOB_NAME = 'bench-cancel';

/** One repetition of one mode: every job cancelled once, its latency measured. */
export interface CancelRun {
  readonly repetition: number;
  /** Request → signal aborted, ms, one per cancelled job (in the order they were cancelled). */
  readonly latencies: readonly number[];
  /** Jobs whose signal did not abort in time, or was aborted for another reason. */
  readonly missed: number;
  /** Jobs written `cancelled` by the owner (checked in the database afterwards). */
  readonly cancelled: number;
  /** `job:error` events of the owner, and cancels that were not answered `requested`. */
  readonly errors: readonly string[];
}

export interface CancelModeResult {
  readonly notify: CancelNotify;
  readonly heartbeatInterval: number;
  readonly runs: readonly CancelRun[];
  /** All repetitions pooled. */
  readonly pooled: Distribution;
}

export interface CancelResult {
  readonly method: string;
  readonly modes: readonly CancelModeResult[];
}

interface OwnerState {
  started: Set<string>;
  aborted: Map<string, { at: number; reason: string }>;
  cancelled: Set<string>;
  errors: string[];
}

function listen(child: ChildProcess, state: OwnerState, onChange: () => void): void {
  child.on('message', (raw: unknown) => {
    if (!isMessage(raw)) return;
    const message = raw as CancelOwnerReport;
    if (message.type === 'started') state.started.add(message.jobId);
    else if (message.type === 'aborted') {
      state.aborted.set(message.jobId, { at: message.at, reason: message.reason });
    } else if (message.type === 'cancelled') state.cancelled.add(message.jobId);
    else if (message.type === 'owner-error') state.errors.push(`owner: ${message.message}`);
    onChange();
  });
}

/** Resolves once `condition` holds (re-checked on every owner message), or after `timeout` ms. */
function until(child: ChildProcess, condition: () => boolean, timeout: number): Promise<boolean> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (condition()) done(true);
    };
    const timer = setTimeout(() => done(false), timeout);
    const done = (value: boolean): void => {
      clearTimeout(timer);
      child.off('message', check);
      resolve(value);
    };
    child.on('message', check);
    check();
  });
}

async function runOnce(
  context: ScenarioContext,
  uri: string,
  notify: CancelNotify,
  repetition: number,
): Promise<CancelRun> {
  const { cancels, minGapMs, maxGapMs, heartbeatInterval } = context.settings.cancel;
  const dbName = context.nextRunId();
  const child = fork(siblingProgram('cancel-owner'), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const state: OwnerState = {
    started: new Set(),
    aborted: new Map(),
    cancelled: new Set(),
    errors: [],
  };
  listen(child, state, () => {});
  const client = await new MongoClient(uri).connect();
  try {
    const ready = nextMessage<{ type: 'owner-ready'; listening: string }>(child, 'owner-ready');
    const config: CancelOwnerConfig = {
      type: 'start',
      uri,
      dbName,
      jobName: JOB_NAME,
      notify,
      concurrency: cancels,
      heartbeatInterval: heartbeatInterval[notify],
    };
    child.send(config);
    const { listening } = await ready;
    if (listening !== (notify === 'polling' ? 'polling' : 'change stream')) {
      throw new Error(`the owner listens by ${listening}, not in ${notify} mode`);
    }
    // The other instance: it only cancels (it is not started).
    const canceller = new Monque(client.db(dbName));
    const jobs = await canceller.enqueueMany(
      Array.from({ length: cancels }, (_, seq) => ({ name: JOB_NAME, data: { seq } })),
    );
    const ids = jobs.map((job) => job._id.toHexString());
    if (!(await until(child, () => state.started.size === cancels, 60_000))) {
      throw new Error(`only ${state.started.size} of ${cancels} jobs started within 60 s`);
    }
    const random = seededRandom(0xc0ffee ^ repetition);
    const requestedAt = new Map<string, number>();
    for (const job of jobs) {
      await sleep(minGapMs + random() * (maxGapMs - minGapMs));
      requestedAt.set(job._id.toHexString(), machineNow());
      const result = await canceller.cancelJob(job._id as ObjectId);
      if (result.outcome !== 'requested') {
        state.errors.push(`cancelJob answered ${result.outcome} for a running job`);
      }
    }
    const bound = heartbeatInterval[notify] + 10_000;
    await until(child, () => state.cancelled.size === cancels, bound);
    const latencies: number[] = [];
    let missed = 0;
    for (const id of ids) {
      const aborted = state.aborted.get(id);
      const at = requestedAt.get(id);
      if (aborted === undefined || at === undefined || aborted.reason !== 'JobCancelledError') {
        missed += 1;
      } else {
        latencies.push(aborted.at - at);
      }
    }
    const cancelled = await client
      .db(dbName)
      .collection('monque_jobs')
      .countDocuments({ status: 'cancelled' });
    const summary = distribution(latencies);
    progress(
      'cancel',
      `${notify} #${repetition + 1}: p50 ${summary.p50.toFixed(1)} ms, p99 ${summary.p99.toFixed(1)} ms, ` +
        `max ${summary.max.toFixed(1)} ms (${latencies.length} measured, ${missed} missed, ${cancelled} cancelled)`,
    );
    return { repetition, latencies, missed, cancelled, errors: state.errors };
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      child.send({ type: 'stop' });
      await exited(child);
    }
    await client
      .db(dbName)
      .dropDatabase()
      .catch(() => {});
    await client.close();
  }
}

/**
 * Cancel latency across instances: one instance (its own process) runs `cancels` jobs whose
 * handlers wait for their signal; another instance (the runner's process) cancels them one at a
 * time with `cancelJob`, open-loop, and the latency of each is the time from the call to the
 * abort of the handler's signal in the owner. Once with the owner's change stream, once with the
 * owner polling (its change stream refused as on a standalone server).
 */
export async function runCancel(context: ScenarioContext): Promise<CancelResult> {
  const { cancels, minGapMs, maxGapMs, heartbeatInterval } = context.settings.cancel;
  const monque = context.workers.find((worker) => worker.library === 'monque');
  if (monque === undefined || monque.store.connection.kind !== 'mongodb') {
    throw new Error('the cancel scenario needs Monque on a MongoDB store');
  }
  const { uri } = monque.store.connection;
  const modes: CancelModeResult[] = [];
  for (const notify of ['change-stream', 'polling'] as const) {
    const runs: CancelRun[] = [];
    for (let repetition = 0; repetition < context.settings.repetitions; repetition += 1) {
      runs.push(await runOnce(context, uri, notify, repetition));
    }
    modes.push({
      notify,
      heartbeatInterval: heartbeatInterval[notify],
      runs,
      pooled: distribution(runs.flatMap((run) => run.latencies)),
    });
  }
  return {
    method:
      `${cancels} running jobs per run on one instance (its own process, concurrency ${cancels}); another ` +
      `instance (the runner's process) cancels them one by one with cancelJob, every ${minGapMs}–${maxGapMs} ms ` +
      "(uniform, seeded); latency = the cancelJob call → the abort of the handler's signal in the owner, both " +
      "stamped with the machine's clock (performance.timeOrigin + performance.now()). Polling: the owner's " +
      'change stream is refused as on a standalone server, so it reads the cancel requests at its heartbeat',
    modes,
  };
}
