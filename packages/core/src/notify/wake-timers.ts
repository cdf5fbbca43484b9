import { MAX_TIMER_DELAY } from '../validation/numbers.js';

/**
 * One timer per job name, set for the earliest known future `nextRunAt` of that name. When it
 * fires, the owner claims and looks up the next future time (so only the earliest needs keeping).
 */
export class WakeTimers {
  readonly #fire: (name: string) => void;
  readonly #now: () => Date;
  readonly #timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();

  /**
   * @param fire - Called with the name when its time has come.
   * @param now - The clock the times are read on (the database's, as estimated). Default: this
   * process's.
   */
  constructor(fire: (name: string) => void, now: () => Date = () => new Date()) {
    this.#fire = fire;
    this.#now = now;
  }

  /** Wakes `name` at `at`, unless it is already woken earlier. */
  arm(name: string, at: Date): void {
    const time = at.getTime();
    const existing = this.#timers.get(name);
    if (existing !== undefined) {
      if (existing.at <= time) {
        return;
      }
      clearTimeout(existing.timer);
    }
    // A delay beyond Node's timer range fires early; the owner then simply re-arms.
    const delay = Math.min(Math.max(0, time - this.#now().getTime()), MAX_TIMER_DELAY);
    const timer = setTimeout(() => {
      this.#timers.delete(name);
      this.#fire(name);
    }, delay);
    this.#timers.set(name, { at: time, timer });
  }

  clear(): void {
    for (const { timer } of this.#timers.values()) {
      clearTimeout(timer);
    }
    this.#timers.clear();
  }
}
