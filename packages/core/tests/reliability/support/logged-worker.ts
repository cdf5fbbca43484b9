import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MongoClientOptions } from 'mongodb';
import type { MonqueOptions } from '../../../src/options.js';
import { type LogRecord, readLog } from './execution-log.js';
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
  workers: readonly {
    name: string;
    concurrency: number;
    groupConcurrency?: number;
    rateLimit?: { max: number; duration: number };
  }[];
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

/**
 * The logged worker processes of one scenario: their log directory, their configurations (one
 * collection, an `appName` per process), the processes started, and their records.
 */
export class LoggedProcesses {
  readonly logDir: string;
  readonly #base: Pick<LoggedWorkerConfig, 'uri' | 'dbName' | 'collectionName'>;
  readonly #prefix: string;
  readonly #suffix = randomBytes(4).toString('hex');
  readonly #started: ChildHandle[] = [];
  readonly #procs: string[] = [];

  /** @param prefix - Names the log directory and the `appName`s (`lost-lease`). */
  constructor(base: Pick<LoggedWorkerConfig, 'uri' | 'dbName' | 'collectionName'>, prefix: string) {
    this.#base = base;
    this.#prefix = prefix;
    this.logDir = mkdtempSync(join(tmpdir(), `monque-${prefix}-`));
  }

  /** The configuration of process `proc`. */
  config(
    proc: string,
    settings: Pick<LoggedWorkerConfig, 'options' | 'workers'>,
  ): LoggedWorkerConfig {
    return {
      ...this.#base,
      ...settings,
      proc,
      appName: `monque-${this.#prefix}-${proc}-${this.#suffix}`,
      logPath: join(this.logDir, `${proc}.jsonl`),
    };
  }

  /** Starts process `proc` (see {@link startLoggedWorker}); it is killed by `cleanup()`. */
  async start(
    proc: string,
    settings: Pick<LoggedWorkerConfig, 'options' | 'workers'>,
    launch: { clockOffset?: number } = {},
  ): Promise<ChildHandle> {
    this.#procs.push(proc);
    const child = await startLoggedWorker(this.config(proc, settings), launch);
    this.#started.push(child);
    return child;
  }

  /** The records of every process started, read from their logs. */
  records(): LogRecord[] {
    return this.#procs.flatMap((proc) => readLog(join(this.logDir, `${proc}.jsonl`)));
  }

  /** Kills the processes still running and removes the logs. */
  async cleanup(): Promise<void> {
    await Promise.all(this.#started.map((child) => child.kill()));
    rmSync(this.logDir, { recursive: true, force: true });
  }
}
