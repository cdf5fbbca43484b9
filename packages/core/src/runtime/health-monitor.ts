import { RoundTripTimeoutError } from '../errors.js';

/**
 * Remembers how the last database round trip went, and bounds how long one may take. The instance
 * is healthy while that round trip succeeded and happened within `window` milliseconds
 * (2 × `heartbeatInterval`).
 *
 * A round trip that gets no answer within `timeout` milliseconds (the `roundTripTimeout` option:
 * a half-open connection, a server
 * that went away mid-command) fails with a `RoundTripTimeoutError` (a transient `ConnectionError`)
 * instead of holding the scheduler up:
 * the caller retries as after any database error. The operation itself is not cancelled; its late
 * outcome is ignored — the timeout was already reported, and every scheduler write is fenced or
 * guarded, so one that lands late is harmless (a late claim is recovered as stale).
 */
export class HealthMonitor {
  readonly #window: number;
  readonly #timeout: number;
  #lastSuccessAt: number | undefined;
  #lastFailed = false;

  /**
   * @param window - How old the last successful round trip may be, in milliseconds.
   * @param timeout - How long one round trip may take, in milliseconds.
   */
  constructor(window: number, timeout: number) {
    this.#window = window;
    this.#timeout = timeout;
  }

  /** The round-trip time limit, in milliseconds. */
  get timeout(): number {
    return this.#timeout;
  }

  /**
   * Records the outcome of `operation` and passes it through, or fails it after the timeout.
   *
   * @param what - What the operation does, for the timeout's message (`'send the heartbeat'`).
   */
  async track<T>(operation: Promise<T>, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new RoundTripTimeoutError(what, this.#timeout));
      }, this.#timeout);
      // The operation's own socket keeps the process alive while it waits; this timer never does.
      timer.unref();
    });
    // The late outcome of an operation that timed out is deliberately not reported again.
    operation.catch(() => {});
    try {
      const result = await Promise.race([operation, timedOut]);
      this.#lastSuccessAt = Date.now();
      this.#lastFailed = false;
      return result;
    } catch (error) {
      this.#lastFailed = true;
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Whether the last round trip succeeded, recently enough. */
  isHealthy(): boolean {
    return (
      !this.#lastFailed &&
      this.#lastSuccessAt !== undefined &&
      Date.now() - this.#lastSuccessAt <= this.#window
    );
  }
}
