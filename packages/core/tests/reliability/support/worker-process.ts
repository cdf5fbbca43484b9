import { type ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { MonqueOptions } from '../../../src/options.js';

/**
 * The built packages the child processes import (`npm test` builds them first): the scheduler,
 * and the emulator that fixtures/emulator-host.mjs runs.
 */
const BUILT_ENTRIES = [
  fileURLToPath(new URL('../../../dist/index.mjs', import.meta.url)),
  fileURLToPath(new URL('../../../../mongo-emulator/dist/index.mjs', import.meta.url)),
];

/** Fails with a clear message when the packages were not built. */
export function assertBuilt(): void {
  for (const entry of BUILT_ENTRIES) {
    if (!existsSync(entry)) {
      throw new Error(
        `The reliability suite runs child processes on the built packages, but ${entry} is ` +
          'missing: run `npx turbo run build --filter=@monque/core` (npm test does it first).',
      );
    }
  }
}

/** What a child reports about an error. */
export interface ReportedError {
  name: string;
  message: string;
  cause?: string;
}

/** A message from a worker or soak process (see fixtures/*.mjs). */
export interface ChildMessage {
  type: string;
  pid: number;
  /** The child's `Date.now()` when it sent the message. */
  at: number;
  /** The parent's `Date.now()` when the message arrived. */
  receivedAt: number;
  jobId?: string;
  count?: number;
  kind?: string;
  error?: ReportedError;
  [key: string]: unknown;
}

/** Configuration of fixtures/worker.mjs. */
export interface WorkerConfig {
  uri: string;
  dbName: string;
  collectionName: string;
  executionsCollection: string;
  jobName: string;
  options: MonqueOptions;
  concurrency: number;
  mode: 'record' | 'block' | 'poison';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** A forked child process with its messages kept, and waits on them. */
export class ChildHandle {
  readonly process: ChildProcess;
  readonly messages: ChildMessage[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly #waiters = new Set<() => void>();
  #exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  constructor(script: string, env: Record<string, string>, execArgv: string[] = []) {
    this.process = fork(fileURLToPath(new URL(`../fixtures/${script}`, import.meta.url)), [], {
      env: { ...process.env, ...env },
      execArgv,
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    this.process.stderr?.setEncoding('utf8');
    this.process.stderr?.on('data', (chunk: string) => {
      this.stderr.push(chunk);
    });
    this.process.on('message', (message: unknown) => {
      if (!isRecord(message) || typeof message.type !== 'string') return;
      this.messages.push({ ...(message as ChildMessage), receivedAt: Date.now() });
      this.#notify();
    });
    this.exited = new Promise((resolve) => {
      this.process.on('exit', (code, signal) => {
        this.#exit = { code, signal };
        this.#notify();
        resolve({ code, signal });
      });
    });
  }

  /** How the child exited, or `undefined` while it runs. */
  get exitStatus(): { code: number | null; signal: NodeJS.Signals | null } | undefined {
    return this.#exit;
  }

  get pid(): number {
    const { pid } = this.process;
    if (pid === undefined) throw new Error('the child process has no pid (fork failed)');
    return pid;
  }

  /** Messages of one type. */
  ofType(type: string): ChildMessage[] {
    return this.messages.filter((message) => message.type === type);
  }

  /** Messages that report a crash of the child (unhandled rejection, uncaught exception). */
  get fatal(): ChildMessage[] {
    return this.ofType('fatal');
  }

  send(message: Record<string, unknown>): void {
    this.process.send(message);
  }

  /**
   * Resolves once `condition` holds, re-checked on every message and on exit; rejects after
   * `timeout` ms, or when the child exits first or reports a fatal error.
   */
  waitFor<T>(
    what: string,
    condition: () => T | undefined | false,
    timeout: number,
  ): Promise<Exclude<T, false | undefined>> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const value = condition();
        if (value !== undefined && value !== false) {
          done(() => resolve(value as Exclude<T, false | undefined>));
        } else if (this.fatal.length > 0) {
          done(() => reject(new Error(`child ${this.pid} crashed: ${this.#describeFatal()}`)));
        } else if (this.#exit !== undefined) {
          done(() =>
            reject(
              new Error(
                `child ${this.pid} exited (${JSON.stringify(this.#exit)}) before ${what}; ` +
                  `stderr: ${this.stderr.join('').slice(-2000)}`,
              ),
            ),
          );
        }
      };
      const timer = setTimeout(
        () => done(() => reject(new Error(`timed out after ${timeout} ms waiting for ${what}`))),
        timeout,
      );
      const done = (outcome: () => void): void => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        outcome();
      };
      this.#waiters.add(check);
      check();
    });
  }

  /** Waits for the first message of `type`. */
  waitForMessage(type: string, timeout: number): Promise<ChildMessage> {
    return this.waitFor(`message ${type} from child`, () => this.ofType(type)[0], timeout);
  }

  /** Sends `stop` and waits for the child to exit by itself; kills it and throws if it does not. */
  async stop(timeout: number): Promise<void> {
    if (this.#exit !== undefined) return;
    this.send({ type: 'stop' });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeout);
    });
    const result = await Promise.race([this.exited, timedOut]);
    clearTimeout(timer);
    if (result === 'timeout') {
      this.process.kill('SIGKILL');
      await this.exited;
      throw new Error(
        `child ${this.pid} did not exit within ${timeout} ms of stop() and client.close() ` +
          '(something kept its event loop alive); it was killed',
      );
    }
    if (result.code !== 0) {
      throw new Error(
        `child ${this.pid} exited with ${JSON.stringify(result)}: ${this.#describeFatal()} ` +
          `stderr: ${this.stderr.join('').slice(-2000)}`,
      );
    }
  }

  /** Kills the child at once (SIGKILL) and waits for it to be gone. */
  async kill(): Promise<void> {
    if (this.#exit !== undefined) return;
    this.process.kill('SIGKILL');
    await this.exited;
  }

  #describeFatal(): string {
    return this.fatal.map((message) => JSON.stringify(message)).join('; ');
  }

  #notify(): void {
    for (const check of [...this.#waiters]) check();
  }
}

/** Forks fixtures/worker.mjs with `config` and waits until its Monque has started. */
export async function startWorker(config: WorkerConfig, timeout = 20_000): Promise<ChildHandle> {
  const child = new ChildHandle('worker.mjs', { MONQUE_WORKER_CONFIG: JSON.stringify(config) });
  try {
    await child.waitForMessage('ready', timeout);
  } catch (error) {
    await child.kill();
    throw error;
  }
  return child;
}
