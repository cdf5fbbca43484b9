import type { MonotonicTime } from '../runtime/database-clock.js';

/** What a {@link LeaseWatch} needs. */
export interface LeaseWatchOptions<K> {
  /**
   * How long a lease lasts after the send of the last heartbeat that confirmed it, in ms:
   * `lockTimeout − heartbeatInterval`.
   */
  readonly span: number;
  /** The clock leases are measured on. */
  readonly monotonic: MonotonicTime;
  /** Called with the holders whose lease ran out; they are no longer watched. */
  readonly onExpired: (holders: K[]) => void;
}

/**
 * The self-fencing lease of the jobs an instance holds. Each holder (a run) is watched from the
 * moment its claim was sent; every heartbeat that the server confirmed for it moves its lease to
 * the moment that heartbeat was sent. A lease that is not confirmed within `span`
 * (`lockTimeout − heartbeatInterval`) runs out: `onExpired` is called, at once, with its holder.
 *
 * Why the send time: the server stamps a heartbeat (and a claim) with its own time when it lands,
 * which is after it was sent, and another instance takes a job over only once that stamp is
 * older than its `lockTimeout` by the server's clock — so no earlier than `lockTimeout` after the
 * send, when the instances share one `lockTimeout`. The lease thus runs out at least one
 * `heartbeatInterval` before any takeover: the time a handler has to honour its signal. Times are
 * read from a monotonic clock, so a change of the wall clock moves no lease.
 *
 * @typeParam K - What holds a lease (the runner's runs).
 */
export class LeaseWatch<K> {
  readonly #options: LeaseWatchOptions<K>;
  /** When each holder's lease was last confirmed (the send time of its claim or heartbeat). */
  readonly #confirmedAt = new Map<K, number>();
  #timer: NodeJS.Timeout | undefined;

  constructor(options: LeaseWatchOptions<K>) {
    this.#options = options;
  }

  /** Whether a lease confirmed at `since` has run out by now (such as a claim that arrived late). */
  hasExpired(since: number): boolean {
    return this.#options.monotonic() - since >= this.#options.span;
  }

  /** Watches the lease of `holder`, confirmed at `since` (when its claim was sent). */
  hold(holder: K, since: number): void {
    this.#confirmedAt.set(holder, since);
    this.#check();
  }

  /** A heartbeat sent at `since` landed for these holders: their leases run from then. */
  confirm(holders: Iterable<K>, since: number): void {
    for (const holder of holders) {
      const current = this.#confirmedAt.get(holder);
      if (current !== undefined && since > current) this.#confirmedAt.set(holder, since);
    }
    this.#check();
  }

  /** Stops watching `holder` (its run ended, or it no longer holds its claim). */
  drop(holder: K): void {
    if (this.#confirmedAt.delete(holder)) this.#check();
  }

  /** Hands the holders whose lease ran out to `onExpired`, then waits for the next deadline. */
  #check(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const { span, monotonic, onExpired } = this.#options;
    const now = monotonic();
    const expired: K[] = [];
    let next = Number.POSITIVE_INFINITY;
    for (const [holder, since] of this.#confirmedAt) {
      const deadline = since + span;
      if (deadline <= now) expired.push(holder);
      else next = Math.min(next, deadline);
    }
    for (const holder of expired) this.#confirmedAt.delete(holder);
    if (next !== Number.POSITIVE_INFINITY) {
      this.#timer = setTimeout(() => this.#check(), Math.ceil(next - now));
    }
    if (expired.length > 0) onExpired(expired);
  }
}
