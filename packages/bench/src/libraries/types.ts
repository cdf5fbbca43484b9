import type { FlowControl } from '../settings.js';
/** The schedulers compared: two on MongoDB, two peers on their own stores. */
export type LibraryName = 'monque' | 'agenda' | 'bullmq' | 'pg-boss';

/** Every library, in table order. */
export const LIBRARIES: readonly LibraryName[] = ['monque', 'agenda', 'bullmq', 'pg-boss'];

/** The libraries that need a store of their own (`--peers`). */
export const PEER_LIBRARIES: readonly LibraryName[] = ['bullmq', 'pg-boss'];

/** The name shown in tables. */
export function libraryLabel(library: LibraryName): string {
  switch (library) {
    case 'monque':
      return 'Monque';
    case 'agenda':
      return 'Agenda';
    case 'bullmq':
      return 'BullMQ';
    case 'pg-boss':
      return 'pg-boss';
  }
}

/** How a worker process reaches its store. */
export type StoreConnection =
  | { readonly kind: 'mongodb'; readonly uri: string }
  | { readonly kind: 'redis'; readonly host: string; readonly port: number }
  | { readonly kind: 'postgres'; readonly connectionString: string };

/** What a benchmark job carries: its sequence number (it picks the handler's duration). */
export interface BenchJobData {
  readonly seq: number;
}

/** How an instance learns about new jobs, where the library offers a choice. */
export type NotifyMode = 'throughput' | 'latency';

/** One scheduler instance for one run. */
export interface RunInstanceConfig {
  /** Unique per run: names the database, queue or key prefix the run uses. */
  readonly runId: string;
  /** Monque's flow control in a processing run (only Monque runs those). */
  readonly flow?: FlowControl;
  /** Job names the instance has workers for. */
  readonly names: readonly string[];
  /** Jobs run at once per name. */
  readonly concurrency: number;
  /**
   * `throughput`: the settings for a standing queue (Agenda polls every 100 ms); `latency`: the
   * settings for new jobs at idle (Agenda's change-stream notification channel).
   */
  readonly mode: NotifyMode;
}

/** Runs one job: resolves when the handler is done. */
export type BenchHandler = (name: string, data: BenchJobData) => Promise<void> | void;

/** The common face of the libraries inside a worker process. */
export interface LibraryInstance {
  /** The library options used, for the results. */
  readonly settings: Readonly<Record<string, string | number | boolean>>;
  /** Creates indexes, schema or queues (before any timer). */
  setup(): Promise<void>;
  /** Adds one job due now through the library's public API. */
  enqueue(name: string, data: BenchJobData): Promise<void>;
  /** Adds many due jobs in one call, where the library has a bulk API (else undefined). */
  readonly enqueueMany:
    | ((name: string, jobs: readonly BenchJobData[]) => Promise<void>)
    | undefined;
  /**
   * Fills the queue with due jobs before a processing run: the bulk API where there is one, else
   * copies of a job the library wrote itself with distinct `nextRunAt` values 1 ms apart.
   */
  seed(name: string, jobs: readonly BenchJobData[]): Promise<void>;
  /**
   * Registers `handler` for every name and starts processing; `onComplete` is called once per
   * job whose outcome the library has written.
   */
  start(handler: BenchHandler, onComplete: () => void): Promise<void>;
  /** Resolves once the instance listens for new jobs (change stream, blocking pop or poll). */
  listening(): Promise<void>;
  /** Stops processing. */
  stop(): Promise<void>;
  /** One round trip to the store on the library's own connection (for its round-trip time). */
  ping(): Promise<void>;
  /** Removes what the run stored (outside every measurement). */
  cleanup(): Promise<void>;
  /** Errors the library reported through its error events. */
  readonly errors: number;
  /** Management reads on a seeded queue, where the library has the API (Monque). */
  readonly management?: ManagementBench;
}

/** One management read, timed call by call. */
export interface ManagementOperation {
  readonly id: string;
  /** One call; `calls` says how many are timed (after the warm-up ones). */
  readonly call: () => Promise<void>;
  readonly calls: number;
}

/** What a library offers the management scenario. */
export interface ManagementBench {
  /** Fills the queue with `jobs` jobs in every status over `names` job names (before any timer). */
  seed(jobs: number, names: number): Promise<void>;
  /** The reads to time, given the settings; the walk's pages are timed one by one. */
  operations(settings: { calls: number; statsCalls: number; pages: number }): ManagementOperation[];
}

/** The job name of the single-name workloads. */
export const JOB_NAME = 'bench-job';
