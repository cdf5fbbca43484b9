import type { ChildProcess } from 'node:child_process';
import type { BenchJobData, LibraryName, StoreConnection } from '../libraries/types.js';
import type { ProfileSummary } from '../report/profile.js';
import type { BenchSettings, FlowControl } from '../settings.js';
import type { HandlerKind } from '../workloads.js';

/** Emulator server → runner. */
export interface ServerReadyMessage {
  readonly type: 'server-ready';
  readonly uri: string;
}

/** Requests counted by a store, by command (or statement) name, and the server's CPU time. */
export interface StoreCounts {
  readonly byCommand: Readonly<Record<string, number>>;
  /** Server CPU time (user + system) in µs, or null where it cannot be read. */
  readonly serverCpuUs: number | null;
}

/** Emulator server → runner: its counts so far. */
export interface ServerCountsMessage extends StoreCounts {
  readonly type: 'counts';
}

/** A processing run: a standing queue of due jobs, processed until empty or the time cap. */
export interface ProcessingSpec {
  readonly kind: 'processing';
  readonly handler: HandlerKind;
  /** Monque's flow control, if any (see `FlowControl`). */
  readonly flow?: FlowControl;
  readonly jobs: number;
  readonly timeCapMs: number;
}

/** A latency run: jobs enqueued open-loop at an idle instance. */
export interface LatencySpec {
  readonly kind: 'latency';
  readonly jobs: number;
  readonly warmupJobs: number;
  readonly minGapMs: number;
  readonly maxGapMs: number;
  /** How long to wait for the last jobs to start. */
  readonly settleMs: number;
}

/** An enqueue run: jobs added one by one (awaiting each) or through the bulk API. */
export interface EnqueueSpec {
  readonly kind: 'enqueue';
  readonly method: 'one-by-one' | 'bulk';
  readonly jobs: number;
  readonly bulkSize: number;
}

/** An idle instance: started on an empty queue, sampled by the runner. */
export interface IdleSpec {
  readonly kind: 'idle';
}

/** Management reads: a queue of jobs in every status is seeded, then read through the API. */
export type ManagementSpec = { readonly kind: 'management' } & BenchSettings['management'];

export type WorkloadSpec = ProcessingSpec | LatencySpec | EnqueueSpec | IdleSpec | ManagementSpec;

/** What one run sets up. */
export interface RunSpec {
  readonly runId: string;
  readonly names: readonly string[];
  readonly concurrency: number;
  readonly mode: 'throughput' | 'latency';
  readonly workload: WorkloadSpec;
  /** Take a CPU profile of the worker between `go` and the end of the measurement. */
  readonly profile: boolean;
}

/** A process's CPU time (µs) and event-loop time (ms) so far. */
export interface CostSample {
  readonly userUs: number;
  readonly systemUs: number;
  readonly loopIdleMs: number;
  readonly loopActiveMs: number;
  /** Requests counted by the process's own clients, by command (where the store cannot). */
  readonly clientRequests: Readonly<Record<string, number>>;
}

/** CPU time of a process over a window, in µs, and its event-loop utilization (0–1). */
export interface ProcessCost {
  readonly userUs: number;
  readonly systemUs: number;
  readonly eventLoopUtilization: number;
  /** Requests counted by the process's own clients over the window, by command. */
  readonly clientRequests: Readonly<Record<string, number>>;
}

/** The cost between two samples of one process. */
export function costBetween(before: CostSample, after: CostSample): ProcessCost {
  const idle = after.loopIdleMs - before.loopIdleMs;
  const active = after.loopActiveMs - before.loopActiveMs;
  const clientRequests: Record<string, number> = {};
  for (const [command, count] of Object.entries(after.clientRequests)) {
    const delta = count - (before.clientRequests[command] ?? 0);
    if (delta !== 0) {
      clientRequests[command] = delta;
    }
  }
  return {
    userUs: after.userUs - before.userUs,
    systemUs: after.systemUs - before.systemUs,
    eventLoopUtilization: idle + active > 0 ? active / (idle + active) : 0,
    clientRequests,
  };
}

export interface ProcessingMeasurement {
  readonly kind: 'processing';
  readonly jobs: number;
  /** Jobs whose outcome the library wrote within the run. */
  readonly processed: number;
  /** From start() to the last outcome (or the time cap). */
  readonly seconds: number;
  readonly capped: boolean;
  /** Jobs/s between the outcomes of 10 % and 90 % of the processed jobs (no start, no tail). */
  readonly steadyJobsPerSecond: number;
  /** Mean time a handler took, start to end, as measured (ms). */
  readonly handlerMeanMs: number;
  /** Mean time the handlers were asked to take (ms). */
  readonly handlerNominalMeanMs: number;
}

export interface LatencyMeasurement {
  readonly kind: 'latency';
  /** Jobs enqueued before the measured ones (within the measurement, not in `latencies`). */
  readonly warmupJobs: number;
  /** Enqueue call → handler start, ms, per job in enqueue order (null: did not start). */
  readonly latencies: readonly (number | null)[];
}

export interface EnqueueMeasurement {
  readonly kind: 'enqueue';
  readonly jobs: number;
  readonly seconds: number;
}

export interface IdleMeasurement {
  readonly kind: 'idle';
}

/** The time of every timed call of one management operation, in ms, in call order. */
export interface OperationTimes {
  readonly id: string;
  readonly ms: readonly number[];
}

export interface ManagementMeasurement {
  readonly kind: 'management';
  readonly jobs: number;
  readonly operations: readonly OperationTimes[];
}

export type Measurement =
  | ProcessingMeasurement
  | LatencyMeasurement
  | EnqueueMeasurement
  | IdleMeasurement
  | ManagementMeasurement;

/** Runner → worker. */
export type WorkerCommand =
  | { readonly type: 'init'; readonly library: LibraryName; readonly store: StoreConnection }
  | { readonly type: 'prepare'; readonly spec: RunSpec }
  | { readonly type: 'go' }
  | { readonly type: 'sample' }
  | { readonly type: 'stop' }
  | { readonly type: 'exit' };

/** Worker → runner. */
export type WorkerReport =
  | { readonly type: 'ready'; readonly handlerCpuUs: number }
  | {
      readonly type: 'prepared';
      readonly settings: Readonly<Record<string, string | number | boolean>>;
    }
  | {
      readonly type: 'measured';
      readonly measurement: Measurement;
      readonly cost: ProcessCost;
      readonly profile: ProfileSummary | null;
    }
  | { readonly type: 'sample'; readonly sample: CostSample }
  | {
      readonly type: 'stopped';
      readonly errors: number;
      readonly warnings: readonly string[];
      /** Median time of a few pings on the library's connection, right after the measurement. */
      readonly roundTripMs: number;
    }
  | { readonly type: 'failed'; readonly message: string };

/** The data of job `seq`. */
export function jobData(seq: number): BenchJobData {
  return { seq };
}

/** Whether a value is an object with a string `type` (an IPC message of ours). */
export function isMessage(value: unknown): value is { type: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    'type' in value &&
    typeof (value as { type: unknown }).type === 'string'
  );
}

/** Sends a message to the parent; a child without an IPC channel is a usage error. */
export function sendToParent(message: object): void {
  if (process.send === undefined) {
    throw new Error('this program is started by the benchmark runner (child_process.fork)');
  }
  process.send(message);
}

/** Resolves with the next message of `type` from a child (rejects on `failed` or exit). */
export function nextMessage<T extends { type: string }>(
  child: ChildProcess,
  type: T['type'],
): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: unknown): void => {
      if (isMessage(message) && message.type === 'failed') {
        cleanup();
        reject(new Error(String((message as { message?: unknown }).message)));
      } else if (isMessage(message) && message.type === type) {
        cleanup();
        resolve(message as T);
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      cleanup();
      reject(new Error(`child ${child.pid} exited (${signal ?? code}) before sending '${type}'`));
    };
    const cleanup = (): void => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

/** Resolves when a child has exited. */
export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve(child.exitCode);
  }
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}
