import { join } from 'node:path';
import type { LogWriter } from '../support/execution-log.js';
import { forkLoggedWorker, type LoggedWorkerConfig } from '../support/logged-worker.js';
import type { ChildHandle, ChildMessage } from '../support/worker-process.js';

/** How long a worker process may take to start. */
const START_TIMEOUT = 30_000;

/** What every worker process of a run shares (its `proc`, `appName` and log are per process). */
export type WorkerTemplate = Omit<LoggedWorkerConfig, 'proc' | 'appName' | 'logPath'> & {
  readonly logDir: string;
  /** Makes the `appName`s of this run unique on a shared server. */
  readonly runId: string;
};

/**
 * Where a slot's current process is: `running`, `frozen` (SIGSTOPped), `dead` (killed, not yet
 * restarted), `stopping` (asked to stop at the end of the run) or `stopped`.
 */
export type SlotState = 'starting' | 'running' | 'frozen' | 'dead' | 'stopping' | 'stopped';

/** One place for a worker process; a killed process is replaced by a new incarnation. */
export interface WorkerSlot {
  readonly index: number;
  incarnation: number;
  state: SlotState;
  /** The current process's name in the logs: `w<slot>.<incarnation>`. */
  proc: string;
  appName: string;
  handle: ChildHandle;
}

/**
 * The worker processes of a chaos run. Every process change is logged (`spawn`, `kill`, `freeze`,
 * `thaw`, `stop-sent`, `exit` with its code or signal), so that the checker can tell the exits
 * the nemesis caused from the ones it did not.
 */
export class WorkerPool {
  readonly slots: WorkerSlot[] = [];
  /** The names of every process started, in order. */
  readonly procs: string[] = [];
  readonly #template: WorkerTemplate;
  readonly #log: LogWriter;
  readonly #handles: ChildHandle[] = [];
  /** Restarts of processes that died by themselves. */
  readonly #restarts = new Set<Promise<void>>();

  constructor(template: WorkerTemplate, log: LogWriter) {
    this.#template = template;
    this.#log = log;
  }

  /** Starts `count` worker processes and waits until each is ready. */
  async start(count: number): Promise<void> {
    for (let index = 0; index < count; index += 1) {
      this.slots.push(this.#spawn(index, 1));
    }
    await Promise.all(this.slots.map((slot) => this.#ready(slot)));
  }

  /** Waits for the restarts of processes that died by themselves. */
  async settled(): Promise<void> {
    await Promise.all(this.#restarts);
  }

  /** The slots whose process runs (not frozen, dead or starting). */
  running(): WorkerSlot[] {
    return this.slots.filter((slot) => slot.state === 'running');
  }

  /** The messages of `type` of every process of the run. */
  messages(type: string): ChildMessage[] {
    return this.#handles.flatMap((handle) => handle.ofType(type));
  }

  /** SIGKILLs the slot's process and waits until it is gone. */
  async kill(slot: WorkerSlot): Promise<void> {
    const { handle, proc } = slot;
    slot.state = 'dead';
    this.#log.write({ ev: 'kill', target: proc, targetPid: handle.pid });
    handle.process.kill('SIGKILL');
    await handle.exited;
  }

  /** Starts the next incarnation of a dead slot and waits until it is ready. */
  async restart(slot: WorkerSlot): Promise<void> {
    const next = this.#spawn(slot.index, slot.incarnation + 1);
    Object.assign(slot, next);
    await this.#ready(slot);
  }

  /** SIGSTOPs the slot's process: it keeps its sockets and claims, and runs nothing. */
  freeze(slot: WorkerSlot): void {
    slot.state = 'frozen';
    this.#log.write({ ev: 'freeze', target: slot.proc, targetPid: slot.handle.pid });
    slot.handle.process.kill('SIGSTOP');
  }

  /** SIGCONTs a frozen process. */
  thaw(slot: WorkerSlot): void {
    slot.handle.process.kill('SIGCONT');
    this.#log.write({ ev: 'thaw', target: slot.proc, targetPid: slot.handle.pid });
    slot.state = 'running';
  }

  /**
   * Asks every process to stop (Monque's `stop()`, then closing its client) and waits for each to
   * exit by itself; one that has not after `timeout` ms is logged (`stop-timeout`) and killed.
   */
  async stopAll(timeout: number): Promise<void> {
    await Promise.all(
      this.slots.map(async (slot) => {
        const { handle, proc } = slot;
        if (handle.exitStatus !== undefined) return;
        slot.state = 'stopping';
        this.#log.write({ ev: 'stop-sent', target: proc, targetPid: handle.pid });
        handle.send({ type: 'stop' });
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), timeout);
        });
        const outcome = await Promise.race([handle.exited, timedOut]);
        clearTimeout(timer);
        if (outcome === 'timeout') {
          this.#log.write({ ev: 'stop-timeout', target: proc, targetPid: handle.pid });
          handle.process.kill('SIGKILL');
          await handle.exited;
        }
        slot.state = 'stopped';
      }),
    );
  }

  /** Kills whatever still runs (after a failure of the run); nothing is restarted any more. */
  async killAll(): Promise<void> {
    for (const slot of this.slots) slot.state = 'stopped';
    await Promise.all(
      this.#handles.map(async (handle) => {
        if (handle.exitStatus !== undefined) return;
        handle.process.kill('SIGCONT');
        await handle.kill();
      }),
    );
  }

  #spawn(index: number, incarnation: number): WorkerSlot {
    const proc = `w${index}.${incarnation}`;
    const appName = `chaos-${this.#template.runId}-${proc}`;
    const { logDir, runId: _runId, ...shared } = this.#template;
    const handle = forkLoggedWorker({
      ...shared,
      proc,
      appName,
      logPath: join(logDir, `${proc}.jsonl`),
    });
    this.#handles.push(handle);
    this.procs.push(proc);
    this.#log.write({ ev: 'spawn', target: proc, targetPid: handle.pid, appName });
    const slot: WorkerSlot = { index, incarnation, state: 'starting', proc, appName, handle };
    void handle.exited.then(({ code, signal }) => {
      this.#log.write({ ev: 'exit', target: proc, targetPid: handle.pid, code, signal });
      // A process that died by itself (the checker reports it) is replaced, so the run goes on.
      const current = this.slots[index];
      if (current?.handle === handle && ['starting', 'running', 'frozen'].includes(current.state)) {
        current.state = 'dead';
        this.#restarts.add(this.restart(current));
      }
    });
    return slot;
  }

  async #ready(slot: WorkerSlot): Promise<void> {
    await slot.handle.waitForMessage('ready', START_TIMEOUT);
    slot.state = 'running';
  }
}
