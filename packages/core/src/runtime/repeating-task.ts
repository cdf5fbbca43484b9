/** What a {@link RepeatingTask} runs. */
export interface RepeatingTaskOptions {
  /** Milliseconds between the end of one run and the start of the next. */
  readonly interval: number;
  /** One run; a rejection is handed to `onError`. */
  readonly run: () => Promise<void>;
  readonly onError: (error: unknown) => void;
}

/**
 * Runs an async task every `interval` milliseconds. A run starts only after the previous one has
 * finished, so a slow database never piles runs up. Used for heartbeats and polls.
 */
export class RepeatingTask {
  readonly #run: () => Promise<void>;
  readonly #onError: (error: unknown) => void;
  #interval: number;
  #timer: NodeJS.Timeout | undefined;
  /** The run in progress, if any. */
  #inFlight: Promise<void> | undefined;
  #running = false;

  constructor(options: RepeatingTaskOptions) {
    this.#interval = options.interval;
    this.#run = options.run;
    this.#onError = options.onError;
  }

  /** The current interval in milliseconds. */
  get interval(): number {
    return this.#interval;
  }

  /** Starts the repetition; the first run is one interval from now. */
  start(): void {
    this.#running = true;
    this.#schedule();
  }

  /** Stops the repetition; resolves once a run in progress has finished. */
  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#inFlight;
  }

  /** Changes the interval; a waiting run is rescheduled one new interval from now. */
  setInterval(interval: number): void {
    if (interval === this.#interval) {
      return;
    }
    this.#interval = interval;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#schedule();
  }

  #schedule(): void {
    if (!this.#running || this.#timer !== undefined || this.#inFlight !== undefined) {
      return;
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#inFlight = this.#run()
        .catch(this.#onError)
        .finally(() => {
          this.#inFlight = undefined;
          this.#schedule();
        });
    }, this.#interval);
  }
}
