import type { Collection } from 'mongodb';
import { WakeTimers } from '../notify/wake-timers.js';
import type { ControlDocument } from './control-collection.js';
import type { RateLimit } from './rate-limit.js';
import { giveBackStarts, type StartGrant, takeStarts } from './rate-window.js';

/** What a {@link RateLimiter} needs from its instance. */
export interface RateLimiterOptions {
  readonly collection: Collection<ControlDocument>;
  /** The database's clock, as the instance estimates it (the windows' times). */
  readonly now: () => Date;
  /** The window of `name` has room again: claim. */
  readonly onReopen: (name: string) => void;
  /** Wraps each round trip (health tracking and its time limit). */
  readonly track: <T>(operation: Promise<T>, what: string) => Promise<T>;
}

/**
 * The rate limits of one instance's claims: before a claim round of a rate-limited name, it takes
 * starts from the name's window in the control collection (shared by every instance, see
 * `takeStarts`); with none left, the round claims nothing and a timer wakes the name when the
 * oldest start counted leaves the window — no polling meanwhile. Starts taken and not used are
 * given back.
 */
export class RateLimiter {
  readonly #options: RateLimiterOptions;
  readonly #timers: WakeTimers;

  constructor(options: RateLimiterOptions) {
    this.#options = options;
    this.#timers = new WakeTimers(options.onReopen, options.now);
  }

  /**
   * Takes up to `want` starts of `name` (now, by the server's clock).
   *
   * @returns How many jobs the round may claim (0 when the window is full: a wake-up is armed),
   * and the server's time they are counted at.
   */
  async take(name: string, want: number, limit: RateLimit): Promise<StartGrant> {
    const grant = await this.#options.track(
      takeStarts(this.#options.collection, name, want, limit),
      `take starts of the rate limit of ${JSON.stringify(name)}`,
    );
    if (grant.retryIn !== undefined) {
      this.#timers.arm(name, new Date(this.#options.now().getTime() + grant.retryIn));
    }
    return grant;
  }

  /** Gives back `count` starts of `name`, taken at `at`, that the round did not use. */
  async giveBack(name: string, count: number, at: Date): Promise<void> {
    await this.#options.track(
      giveBackStarts(this.#options.collection, name, count, at),
      `give back unused starts of the rate limit of ${JSON.stringify(name)}`,
    );
  }

  /** Clears the wake-ups (on stop). */
  clear(): void {
    this.#timers.clear();
  }
}
