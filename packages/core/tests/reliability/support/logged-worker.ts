import type { MongoClientOptions } from 'mongodb';
import type { MonqueOptions } from '../../../src/options.js';
import { ChildHandle } from './worker-process.js';

/** Configuration of fixtures/logged-worker.mjs. */
export interface LoggedWorkerConfig {
  uri: string;
  dbName: string;
  collectionName: string;
  /** The process's name in the logs (`A`, `worker-2.1`…). */
  proc: string;
  /** The driver's `appName`, by which a `failCommand` fail point selects this process's client. */
  appName: string;
  /** The JSONL file the process appends its records to. */
  logPath: string;
  options: MonqueOptions;
  clientOptions?: Pick<MongoClientOptions, 'serverSelectionTimeoutMS' | 'heartbeatFrequencyMS'>;
  workers: readonly { name: string; concurrency: number }[];
}

/** What a job's data tells fixtures/logged-worker.mjs to do. */
export interface LoggedJobData {
  /** How long the handler runs (ms). */
  work?: number;
  /** Whether the handler stops when its signal aborts (default `true`). */
  honours?: boolean;
  /** The handler throws while the job's `failCount` is below this. */
  failAttempts?: number;
}

const SHIFT_CLOCK = new URL('../fixtures/shift-clock.mjs', import.meta.url).href;

/**
 * Forks fixtures/logged-worker.mjs. With `clockOffset` (ms), the process's wall clock runs that
 * far ahead (negative: behind) of the machine's (fixtures/shift-clock.mjs).
 */
export function forkLoggedWorker(
  config: LoggedWorkerConfig,
  { clockOffset }: { clockOffset?: number } = {},
): ChildHandle {
  const env: Record<string, string> = { MONQUE_LOGGED_WORKER: JSON.stringify(config) };
  const execArgv: string[] = [];
  if (clockOffset !== undefined) {
    env.MONQUE_CLOCK_OFFSET_MS = String(clockOffset);
    execArgv.push('--import', SHIFT_CLOCK);
  }
  return new ChildHandle('logged-worker.mjs', env, execArgv);
}

/** Forks fixtures/logged-worker.mjs and waits until its Monque has started. */
export async function startLoggedWorker(
  config: LoggedWorkerConfig,
  launch: { clockOffset?: number } = {},
  timeout = 20_000,
): Promise<ChildHandle> {
  const child = forkLoggedWorker(config, launch);
  try {
    await child.waitForMessage('ready', timeout);
  } catch (error) {
    await child.kill();
    throw error;
  }
  return child;
}
