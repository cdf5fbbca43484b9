import { ChildHandle } from '../support/worker-process.js';

/** How long the emulator process may take to start, stop or restart its server. */
const TIMEOUT = 30_000;

/**
 * An emulator in a process of its own (fixtures/emulator-host.mjs), whose server can be stopped
 * and started again on the same port with its data: a database outage.
 */
export class DatabaseHost {
  readonly uri: string;
  readonly #child: ChildHandle;

  private constructor(child: ChildHandle, uri: string) {
    this.#child = child;
    this.uri = uri;
  }

  static async start(): Promise<DatabaseHost> {
    const child = new ChildHandle('emulator-host.mjs', {});
    try {
      const ready = await child.waitForMessage('ready', TIMEOUT);
      if (typeof ready.uri !== 'string') throw new Error('the emulator process sent no uri');
      return new DatabaseHost(child, ready.uri);
    } catch (error) {
      await child.kill();
      throw error;
    }
  }

  /** Messages that report a crash of the emulator process. */
  get fatal(): readonly unknown[] {
    return this.#child.fatal;
  }

  /** Stops the server (its connections close); resolves once it no longer listens. */
  stopServer(): Promise<void> {
    return this.#request('stop-server', 'server-stopped');
  }

  /** Starts the server again on the same port, with the data it had. */
  startServer(): Promise<void> {
    return this.#request('start-server', 'server-started');
  }

  /** Stops the server and waits for the process to exit by itself (killing it if it does not). */
  async exit(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.#child.exitStatus === undefined) this.#child.send({ type: 'exit' });
    const timer = setTimeout(() => this.#child.process.kill('SIGKILL'), TIMEOUT);
    try {
      return await this.#child.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  async #request(type: string, reply: string): Promise<void> {
    const before = this.#child.ofType(reply).length;
    this.#child.send({ type });
    await this.#child.waitFor(
      `${reply} from the emulator process`,
      () => this.#child.ofType(reply).length > before,
      TIMEOUT,
    );
  }
}
