/**
 * Remembers how the last database round trip went. The instance is healthy while that round trip
 * succeeded and happened within `window` milliseconds (2 × `heartbeatInterval`).
 */
export class HealthMonitor {
  readonly #window: number;
  #lastSuccessAt: number | undefined;
  #lastFailed = false;

  /** @param window - How old the last successful round trip may be, in milliseconds. */
  constructor(window: number) {
    this.#window = window;
  }

  /** Records the outcome of `operation` and passes it through unchanged. */
  async track<T>(operation: Promise<T>): Promise<T> {
    try {
      const result = await operation;
      this.#lastSuccessAt = Date.now();
      this.#lastFailed = false;
      return result;
    } catch (error) {
      this.#lastFailed = true;
      throw error;
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
