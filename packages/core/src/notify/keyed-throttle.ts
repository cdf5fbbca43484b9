/**
 * Coalesces triggers per key: the first trigger fires at once, later ones within `window`
 * milliseconds fire once more when the window ends. A burst of change events for one job name
 * thus costs at most two claim rounds per window.
 */
export class KeyedThrottle {
  readonly #window: number;
  readonly #fire: (key: string) => void;
  readonly #windows = new Map<string, { timer: NodeJS.Timeout; pending: boolean }>();

  constructor(window: number, fire: (key: string) => void) {
    this.#window = window;
    this.#fire = fire;
  }

  trigger(key: string): void {
    const open = this.#windows.get(key);
    if (open !== undefined) {
      open.pending = true;
      return;
    }
    this.#fire(key);
    this.#open(key);
  }

  /** Drops every open window and pending trigger. */
  clear(): void {
    for (const { timer } of this.#windows.values()) {
      clearTimeout(timer);
    }
    this.#windows.clear();
  }

  #open(key: string): void {
    const entry = {
      pending: false,
      timer: setTimeout(() => {
        this.#windows.delete(key);
        if (entry.pending) {
          this.trigger(key);
        }
      }, this.#window),
    };
    this.#windows.set(key, entry);
  }
}
