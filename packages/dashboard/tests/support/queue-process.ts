import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./queue-process.mjs', import.meta.url));

/** A Monque instance running in a child process (see queue-process.mjs). */
export class QueueProcess {
  readonly #child: ChildProcess;
  #output = '';
  readonly #waiters = new Set<() => void>();
  readonly exited: Promise<number | null>;

  constructor(uri: string, database: string, collection: string) {
    this.#child = spawn(process.execPath, [SCRIPT, uri, database, collection], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const append = (chunk: Buffer): void => {
      this.#output += chunk.toString();
      for (const waiter of this.#waiters) waiter();
    };
    this.#child.stdout?.on('data', append);
    this.#child.stderr?.on('data', append);
    this.exited = new Promise((resolve) => this.#child.on('exit', (code) => resolve(code)));
  }

  get output(): string {
    return this.#output;
  }

  /** Resolves once the output matches `pattern`, with the match. */
  waitFor(pattern: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const match = this.#output.match(pattern);
        if (match === null) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(match);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`queue process: no output matching ${pattern}:\n${this.#output}`));
      }, timeoutMs);
      this.#waiters.add(check);
      check();
    });
  }

  /** Sends a command and waits for its acknowledgement. */
  async send(command: string): Promise<void> {
    const escaped = command.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const ack = this.waitFor(new RegExp(`^ok ${escaped}$`, 'm'));
    this.#child.stdin?.write(`${command}\n`);
    await ack;
  }

  /** Stops the scheduler gracefully and waits for the process to end. */
  async stop(): Promise<void> {
    if (this.#child.exitCode === null) this.#child.stdin?.write('stop\n');
    const code = await this.exited;
    if (code !== 0) throw new Error(`queue process exited with ${code}:\n${this.#output}`);
  }
}
