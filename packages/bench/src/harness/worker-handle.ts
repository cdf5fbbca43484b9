import { type ChildProcess, fork } from 'node:child_process';
import {
  type CostSample,
  exited,
  type Measurement,
  nextMessage,
  type ProcessCost,
  type RunSpec,
  type WorkerCommand,
  type WorkerReport,
} from '../children/ipc.js';
import type { LibraryName } from '../libraries/types.js';
import type { ProfileSummary } from '../report/profile.js';
import { sleep } from '../stats.js';
import { siblingProgram } from '../stores/emulator.js';
import { runRequests, type Store } from '../stores/store.js';

/** Requests a store answered during a run, by command, and the server's CPU time (µs). */
export interface RequestCounts {
  readonly total: number;
  readonly byCommand: Readonly<Record<string, number>>;
  readonly serverCpuUs: number | null;
}

/** Everything measured in one run of one library. */
export interface RunRecord {
  readonly library: LibraryName;
  /** Repetition (0-based) and position in that repetition's order. */
  readonly repetition: number;
  readonly position: number;
  readonly settings: Readonly<Record<string, string | number | boolean>>;
  readonly measurement: Measurement;
  /** The worker process's CPU time and event-loop utilization over the measurement. */
  readonly worker: ProcessCost;
  /** Requests the store answered over the measurement (counted by the store). */
  readonly requests: RequestCounts;
  /** Errors the library reported and warnings / unhandled errors of its process, this run. */
  readonly errors: number;
  readonly warnings: readonly string[];
  /** The store's round-trip time as the library saw it right after the measurement (ms). */
  readonly roundTripMs: number;
}

/** A profiled run (not part of the figures): where the worker and the server spent CPU. */
export interface ProfiledRun {
  readonly library: LibraryName;
  readonly measurement: Measurement;
  readonly worker: ProfileSummary | null;
  readonly server: ProfileSummary | null;
}

type Report<T extends WorkerReport['type']> = Extract<WorkerReport, { type: T }>;

/** How long the store must see no request before a measurement starts. */
const QUIET_MS = 300;

/**
 * A library's worker process (dist/worker.mjs), connected to its store: it prepares each run
 * (outside every measurement), the runner waits until the store is quiet, then the worker
 * measures the run while the store counts its requests.
 */
export class WorkerHandle {
  readonly library: LibraryName;
  readonly store: Store;
  readonly #child: ChildProcess;
  /** CPU time of one call of the CPU-bound handler, measured alone in this process (µs). */
  handlerCpuUs = 0;

  private constructor(library: LibraryName, store: Store, child: ChildProcess) {
    this.library = library;
    this.store = store;
    this.#child = child;
  }

  static async start(library: LibraryName, store: Store): Promise<WorkerHandle> {
    const child = fork(siblingProgram('worker'), [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const handle = new WorkerHandle(library, store, child);
    const ready = await handle.#ask<Report<'ready'>>(
      { type: 'init', library, store: store.connection },
      'ready',
    );
    handle.handlerCpuUs = ready.handlerCpuUs;
    return handle;
  }

  #ask<T extends WorkerReport>(command: WorkerCommand, reply: T['type']): Promise<T> {
    const answer = nextMessage<T>(this.#child, reply);
    this.#child.send(command);
    return answer;
  }

  /** Sets up a run: instance, indexes or queues, seeded jobs. */
  async prepare(spec: RunSpec): Promise<Readonly<Record<string, string | number | boolean>>> {
    return (await this.#ask<Report<'prepared'>>({ type: 'prepare', spec }, 'prepared')).settings;
  }

  /** Starts the prepared run; resolves with the worker's measurement. */
  go(): Promise<Report<'measured'>> {
    return this.#ask<Report<'measured'>>({ type: 'go' }, 'measured');
  }

  /** The worker's CPU and event-loop time so far. */
  async sample(): Promise<CostSample> {
    return (await this.#ask<Report<'sample'>>({ type: 'sample' }, 'sample')).sample;
  }

  /** Stops the run's instance and removes what it stored. */
  stop(): Promise<Report<'stopped'>> {
    return this.#ask<Report<'stopped'>>({ type: 'stop' }, 'stopped');
  }

  /** Waits until the store has answered no request for a while (up to 5 s), then counts. */
  async quietCounts() {
    let last = await this.store.counts();
    let lastTotal = Object.values(last.byCommand).reduce((sum, value) => sum + value, 0);
    let quietSince = performance.now();
    const deadline = performance.now() + 5000;
    while (performance.now() - quietSince < QUIET_MS && performance.now() < deadline) {
      await sleep(50);
      const counts = await this.store.counts();
      const total = Object.values(counts.byCommand).reduce((sum, value) => sum + value, 0);
      if (total !== lastTotal) {
        quietSince = performance.now();
        lastTotal = total;
      }
      last = counts;
    }
    return last;
  }

  /** One measured run: prepare, wait for quiet, measure with the store counting, stop. */
  async run(spec: RunSpec, repetition: number, position: number): Promise<RunRecord> {
    const settings = await this.prepare(spec);
    const before = await this.quietCounts();
    const measured = await this.go();
    const after = await this.store.counts();
    const stopped = await this.stop();
    return {
      library: this.library,
      repetition,
      position,
      settings,
      measurement: measured.measurement,
      worker: measured.cost,
      requests: runRequests(this.store, before, after, measured.cost.clientRequests),
      errors: stopped.errors,
      warnings: stopped.warnings,
      roundTripMs: stopped.roundTripMs,
    };
  }

  /** A run with CPU profiles of the worker and (where possible) the server; not measured. */
  async profile(spec: RunSpec): Promise<ProfiledRun> {
    await this.prepare({ ...spec, profile: true });
    await this.quietCounts();
    await this.store.profile?.start();
    const measured = await this.go();
    const server = (await this.store.profile?.stop()) ?? null;
    await this.stop();
    return {
      library: this.library,
      measurement: measured.measurement,
      worker: measured.profile,
      server,
    };
  }

  async exit(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      this.#child.send({ type: 'exit' } satisfies WorkerCommand);
      const timer = setTimeout(() => this.#child.kill(), 10_000);
      await exited(this.#child);
      clearTimeout(timer);
    }
  }
}
