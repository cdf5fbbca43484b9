/** What a {@link Lifecycle} starts and stops. */
export interface LifecycleOptions {
  /** Prepares the database; shared and idempotent (`Monque.initialize`). */
  readonly initialize: () => Promise<void>;
  /** Reads what a start needs from the database (the pauses in force), after `initialize`. */
  readonly prepare: () => Promise<void>;
  /** Starts the running parts (synchronous, idempotent). */
  readonly start: () => void;
  /** Stops the running parts; resolves once nothing of them runs any more. */
  readonly stop: () => Promise<void>;
}

/**
 * The starts and stops of one instance, one after another in call order, where the last call
 * wins: a `start()` that a later `stop()` (or `start()`) has overtaken ends without starting
 * anything — also when the `stop()` came while it was still initializing — and resolves. So
 * `stop()` called at any point wins, and once it resolves nothing of the instance runs. Directly
 * repeated `stop()` calls share one stop.
 */
export class Lifecycle {
  readonly #options: LifecycleOptions;
  /** The calls queued so far; each waits for the one before it. */
  #queue: Promise<void> = Promise.resolve();
  /** The number of the latest `start()` or `stop()` call. */
  #latest = 0;
  /** The latest `stop()`, shared by stop() calls that directly follow it. */
  #lastStop: { readonly call: number; readonly done: Promise<void> } | undefined;

  constructor(options: LifecycleOptions) {
    this.#options = options;
  }

  /** Initializes, prepares, then starts, unless a later call overtook it meanwhile. */
  start(): Promise<void> {
    this.#latest += 1;
    const call = this.#latest;
    return this.#enqueue(async () => {
      if (call !== this.#latest) return;
      await this.#options.initialize();
      if (call !== this.#latest) return;
      await this.#options.prepare();
      if (call !== this.#latest) return;
      this.#options.start();
    });
  }

  /** Stops, after the calls before it have ended. */
  stop(): Promise<void> {
    if (this.#lastStop?.call === this.#latest) {
      return this.#lastStop.done;
    }
    this.#latest += 1;
    const done = this.#enqueue(() => this.#options.stop());
    this.#lastStop = { call: this.#latest, done };
    return done;
  }

  #enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.#queue.then(task);
    // The next call waits for this one, whether it succeeds or fails (its caller sees the error).
    this.#queue = run.catch(() => {});
    return run;
  }
}
