import type { Document } from 'mongodb';

/** How old the clock's sample may get before the heartbeat round takes a new one: one minute. */
export const CLOCK_SAMPLE_MAX_AGE = 60_000;

/** A monotonic time in milliseconds (`performance.now()`), unaffected by changes of the wall clock. */
export type MonotonicTime = () => number;

/**
 * The database server's clock, as this instance estimates it: lease and due-time decisions are
 * taken on one clock for all instances, whatever their own clocks say.
 *
 * A sample is one `hello` round trip: the server's `localTime` is taken to correspond to the
 * midpoint of the round trip on this process's monotonic clock (NTP's method, one exchange), so
 * the estimate is off by at most half the round trip of the sample (`uncertainty`), plus the rate
 * difference of the two clocks since (re-sampled every {@link CLOCK_SAMPLE_MAX_AGE}). Until the
 * first sample, and when the server gave no usable `localTime`, it reads this process's clock.
 *
 * The estimate serves what tolerates an error of a few milliseconds: due times (`nextRunAt` of
 * claims, wake timers, new jobs, retries and cron occurrences) and the claim's fence token
 * (`lockedAt`). Heartbeat stamps and the takeover decision use the server's own time exactly
 * (`$currentDate`, `$$NOW`), so no estimate can let one instance take over another's live job.
 */
export class DatabaseClock {
  readonly #monotonic: MonotonicTime;
  /** Server time − monotonic time, from the last sample; `undefined` before one. */
  #offset: number | undefined;
  #sampledAt = Number.NEGATIVE_INFINITY;
  #uncertainty = Number.POSITIVE_INFINITY;

  /** @param monotonic - The monotonic clock the estimate advances with (`performance.now()`). */
  constructor(monotonic: MonotonicTime) {
    this.#monotonic = monotonic;
  }

  /** The server's time now, as estimated (this process's clock before the first sample). */
  now(): Date {
    return this.#offset === undefined
      ? new Date()
      : new Date(Math.round(this.#monotonic() + this.#offset));
  }

  /** The most the estimate can be off by, in ms (half the round trip of its sample). */
  get uncertainty(): number {
    return this.#uncertainty;
  }

  /** Whether there is no sample yet, or it is older than {@link CLOCK_SAMPLE_MAX_AGE}. */
  needsSample(): boolean {
    return this.#monotonic() - this.#sampledAt > CLOCK_SAMPLE_MAX_AGE;
  }

  /**
   * Takes a sample: sends `hello` (through `send`) and sets the estimate from its `localTime`.
   * A reply without a valid `localTime` leaves the estimate as it was.
   *
   * @param send - Sends `{ hello: 1 }` to the server and resolves with its reply.
   */
  async sample(send: (command: Document) => Promise<Document>): Promise<void> {
    const sentAt = this.#monotonic();
    const reply = await send({ hello: 1 });
    const answeredAt = this.#monotonic();
    const localTime: unknown = reply.localTime;
    if (!(localTime instanceof Date) || Number.isNaN(localTime.getTime())) return;
    this.#offset = localTime.getTime() - (sentAt + answeredAt) / 2;
    this.#sampledAt = answeredAt;
    this.#uncertainty = (answeredAt - sentAt) / 2;
  }
}
