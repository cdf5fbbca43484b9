import type { ChildProcess } from 'node:child_process';
import type { LibraryName } from '../libraries/types.js';

/** Emulator server → runner. */
export interface ServerReadyMessage {
  readonly type: 'server-ready';
  readonly uri: string;
}

/** Runner → scaling worker: what to run. */
export interface ScalingWorkerConfig {
  readonly type: 'config';
  readonly uri: string;
  readonly dbName: string;
  readonly library: LibraryName;
  readonly concurrency: number;
}

/** Runner → scaling worker. */
export type ScalingCommand =
  | ScalingWorkerConfig
  | { readonly type: 'go' }
  | { readonly type: 'stop' };

/** Scaling worker → runner. */
export type ScalingReport =
  | { readonly type: 'ready' }
  | { readonly type: 'progress'; readonly completed: number }
  | { readonly type: 'stopped'; readonly completed: number; readonly errors: number }
  | { readonly type: 'failed'; readonly message: string };

/** Runner → memory probe: what to run. */
export interface MemoryProbeConfig {
  readonly type: 'config';
  readonly uri: string;
  readonly dbName: string;
  readonly library: LibraryName;
  readonly totalJobs: number;
  readonly checkpointJobs: number;
  readonly batch: number;
  readonly concurrency: number;
  readonly timeCapMs: number;
}

/** Heap and RSS after a forced garbage collection, in bytes. */
export interface MemorySample {
  readonly jobsProcessed: number;
  readonly rss: number;
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly external: number;
}

/** Memory probe → runner. */
export type MemoryReport =
  | { readonly type: 'progress'; readonly processed: number }
  | {
      readonly type: 'done';
      readonly baseline: MemorySample;
      readonly checkpoint: MemorySample | null;
      readonly final: MemorySample;
      readonly capped: boolean;
      /** Why the run ended early because the library stopped completing jobs, if it did. */
      readonly stalled: string | null;
      readonly elapsedMs: number;
      readonly errors: number;
    }
  | { readonly type: 'failed'; readonly message: string };

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

/** Resolves with the first message of `type` from a child. */
export function nextMessage<T extends { type: string }>(
  child: ChildProcess,
  type: T['type'],
): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: unknown): void => {
      if (isMessage(message) && message.type === 'failed') {
        cleanup();
        reject(
          new Error(`child ${child.pid}: ${String((message as { message?: unknown }).message)}`),
        );
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
