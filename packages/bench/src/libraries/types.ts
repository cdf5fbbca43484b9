import type { Collection, Db, Document } from 'mongodb';

/** The schedulers compared. */
export type LibraryName = 'monque' | 'agenda';

export const LIBRARIES: readonly LibraryName[] = ['monque', 'agenda'];

/** How a scheduler learns about new jobs. */
export type NotifyMode = 'change-stream' | 'polling';

/** How to set up a scheduler instance for a run. */
export interface QueueConfig {
  readonly db: Db;
  /** Job names the instance has workers for. */
  readonly names: readonly string[];
  /** Jobs run at once per name. */
  readonly concurrency: number;
  readonly notify: NotifyMode;
  /**
   * Polling interval (ms): Monque's `pollInterval` in polling mode, Agenda's `processEvery`.
   * Undefined: Monque's default; for Agenda the benchmark's `processEvery`.
   */
  readonly pollIntervalMs?: number;
}

/** Called by the job handlers of a run. */
export interface JobHooks {
  /** A handler started (the job's `seq` and name). */
  readonly onStart?: (seq: number, name: string) => void;
  /** The library recorded a job's outcome (after its completion write). */
  readonly onComplete?: () => void;
}

/** What a benchmark job carries. */
export interface BenchJobData {
  readonly seq: number;
}

/** The common face of Monque and Agenda in the scenarios. */
export interface BenchQueue {
  readonly library: LibraryName;
  /** The jobs collection. */
  readonly collection: Collection<Document>;
  /** The library options used, for the results. */
  readonly settings: Readonly<Record<string, string | number | boolean>>;
  /** Adds one due job through the library's public API. */
  enqueue(name: string, seq: number): Promise<void>;
  /** Adds many due jobs in one call, when the library has a bulk API (else undefined). */
  readonly enqueueMany: ((name: string, seqs: readonly number[]) => Promise<void>) | undefined;
  /** Registers the no-op workers and starts processing. */
  start(hooks: JobHooks): Promise<void>;
  /** Resolves once the instance is started and listening for new jobs (change stream or poll). */
  listening(): Promise<void>;
  /** Stops processing (Monque waits for running jobs; Agenda unlocks what it has not started). */
  stop(): Promise<void>;
  /** Errors the library reported (`job:error` / `error` events). */
  readonly errors: number;
}

/** The job name of the single-name scenarios. */
export const JOB_NAME = 'bench-noop';
