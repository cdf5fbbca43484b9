import { Timestamp } from 'bson';

/**
 * The server's logical clock: every write takes the next `Timestamp` (seconds since the epoch,
 * increment within the second), so cluster times and change-stream events are strictly ordered.
 */
export class LogicalClock {
  private seconds = 0;
  private increment = 0;

  /** Advances the clock and returns the new time. */
  tick(): Timestamp {
    const nowSeconds = Math.floor(Date.now() / 1000);
    if (nowSeconds > this.seconds) {
      this.seconds = nowSeconds;
      this.increment = 1;
    } else {
      this.increment += 1;
    }
    return new Timestamp({ t: this.seconds, i: this.increment });
  }

  /** The last time handed out (or the current second if none yet), without advancing. */
  now(): Timestamp {
    if (this.seconds === 0) return new Timestamp({ t: Math.floor(Date.now() / 1000), i: 0 });
    return new Timestamp({ t: this.seconds, i: this.increment });
  }
}
