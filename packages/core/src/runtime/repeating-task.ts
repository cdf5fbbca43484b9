/** What a {@link RepeatingTask} runs. */
export interface RepeatingTaskOptions {
  /** Milliseconds between the end of one run and the start of the next (see `fixedRate`). */
  readonly interval: number;
  /**
   * `true`: milliseconds between the start of one run and the start of the next, so runs happen
   * every `interval` however long each takes (a run that takes longer is followed at once).
   * Default `false`.
   */
  readonly fixedRate?: boolean;
  /** One run; a rejection is handed to `onError`. */
  readonly run: () => Promise<void>;
  readonly onError: (error: unknown) => void;
}

/**
 * Runs an async task every `interval` milliseconds. A run starts only after the previous one has
 * finished, so a slow database never piles runs up. Used for heartbeats (at a fixed rate, so that
 * each lands within its lease) and polls.
 */
export class RepeatingTask {
  readonly #run: () => Promise<void>;
  readonly #onError: (error: unknown) => void;
  readonly #fixedRate: boolean;
  #interval: number;
  /** When the last run started (`performance.now()`), for the fixed rate. */
  #lastStart = Number.NEGATIVE_INFINITY;
  #timer: NodeJS.Timeout | undefined;
  /** The run in progress, if any. */
  #inFlight: Promise<void> | undefined;
  #running = false;

  constructor(options: RepeatingTaskOptions) {
    this.#interval = options.interval;
    this.#run = options.run;
    this.#onError = options.onError;
    this.#fixedRate = options.fixedRate === true;
  }

  /** The current interval in milliseconds. */
  get interval(): number {
    return this.#interval;
  }

  /** Starts the repetition; the first run is one interval from now. */
  start(): void {
    this.#running = true;
    this.#lastStart = performance.now();
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
    const delay = this.#fixedRate
      ? Math.max(0, this.#lastStart + this.#interval - performance.now())
      : this.#interval;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#lastStart = performance.now();
      this.#inFlight = this.#run()
        .catch(this.#onError)
        .finally(() => {
          this.#inFlight = undefined;
          this.#schedule();
        });
    }, delay);
  }
}
