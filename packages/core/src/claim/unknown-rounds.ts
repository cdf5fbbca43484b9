import type { ClaimRound } from './hand-back-round.js';

/** What {@link UnknownRounds} needs from its instance. */
export interface UnknownRoundsOptions {
  /** Hands back what a round still holds (one tracked round trip); resolves with how many. */
  readonly handBack: (round: ClaimRound) => Promise<number>;
  /** Jobs of `name` were handed back: they are due again. */
  readonly onHandedBack: (name: string) => void;
  /** A hand-back failed; it is tried again at the next `retry()`. */
  readonly onError: (error: unknown) => void;
  /**
   * How long `drain()` waits for the claim of a round to answer before handing back what it may
   * hold (the round-trip time limit), in milliseconds.
   */
  readonly answerTimeout: number;
}

/**
 * The claim rounds whose outcome is unknown: the claiming write was sent, then the round failed
 * (its read-back was lost, or its answer did not come within the round-trip time limit), so it
 * may hold jobs nobody runs. Each is handed back to pending (fenced by its `lockedAt`) as soon as
 * its claim has answered — at once when it already had — so no such job waits for `lockTimeout`.
 * A hand-back that fails is tried again at every `retry()` (each heartbeat); `drain()` (on stop)
 * hands back every round still known, waiting for a claim's late answer at most `answerTimeout`.
 */
export class UnknownRounds {
  readonly #options: UnknownRoundsOptions;
  /** Rounds whose claim has not answered yet, with that answer. */
  readonly #waiting = new Map<ClaimRound, Promise<void>>();
  /** Rounds whose hand-back failed. */
  readonly #failed = new Set<ClaimRound>();
  /** Hand-backs on their way. */
  readonly #inFlight = new Set<Promise<void>>();

  constructor(options: UnknownRoundsOptions) {
    this.#options = options;
  }

  /** Hands back what `round` may hold once `claim` (its claiming operation) has settled. */
  add(round: ClaimRound, claim: Promise<unknown>): void {
    const answered = claim.then(
      () => {},
      () => {},
    );
    this.#waiting.set(round, answered);
    void answered.then(() => {
      if (this.#waiting.delete(round)) this.#start(round);
    });
  }

  /** Tries again the hand-backs that failed. */
  async retry(): Promise<void> {
    const rounds = [...this.#failed];
    this.#failed.clear();
    await Promise.all(rounds.map((round) => this.#start(round)));
  }

  /**
   * Hands back every round still known: those whose claim answers within `answerTimeout` after
   * that, the others at once; failed ones once more. Resolves when all have been tried.
   */
  async drain(): Promise<void> {
    const waiting = [...this.#waiting];
    this.#waiting.clear();
    await Promise.all([
      ...waiting.map(async ([round, answered]) => {
        await this.#within(answered, this.#options.answerTimeout);
        await this.#start(round);
      }),
      this.retry(),
      ...this.#inFlight,
    ]);
  }

  #start(round: ClaimRound): Promise<void> {
    const run = this.#handBack(round);
    this.#inFlight.add(run);
    void run.then(() => this.#inFlight.delete(run));
    return run;
  }

  async #handBack(round: ClaimRound): Promise<void> {
    try {
      const count = await this.#options.handBack(round);
      if (count > 0) this.#options.onHandedBack(round.name);
    } catch (error) {
      this.#failed.add(round);
      this.#options.onError(error);
    }
  }

  /** Waits for `promise`, at most `timeout` ms (the timer never keeps the process alive). */
  async #within(promise: Promise<void>, timeout: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const elapsed = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeout);
      timer.unref();
    });
    await Promise.race([promise, elapsed]);
    clearTimeout(timer);
  }
}
