import type { MonqueEvents } from '../runtime/safe-events.js';
import type { PauseView } from './pause-queries.js';

const NOTHING_PAUSED: PauseView = { all: false, names: new Set() };

/**
 * What one instance knows of the pauses in force (from its last read of the control collection
 * or its own `pause()`/`resume()` calls). Each change it learns of is announced once:
 * `queue:paused` or `queue:resumed`, with the job name (`null`: all names).
 */
export class PauseState {
  readonly #events: MonqueEvents;
  readonly #onResumed: () => void;
  #view: PauseView = NOTHING_PAUSED;

  /**
   * @param onResumed - Called after a change that may let names be claimed again.
   */
  constructor(events: MonqueEvents, onResumed: () => void) {
    this.#events = events;
    this.#onResumed = onResumed;
  }

  /** Whether jobs of `name` may not be claimed: it, or every name, is paused. */
  isPaused(name: string): boolean {
    return this.#view.all || this.#view.names.has(name);
  }

  /** Takes `view` as the pauses in force; announces what changed. */
  apply(view: PauseView): void {
    const before = this.#view;
    this.#view = { all: view.all, names: new Set(view.names) };
    let resumed = false;
    if (before.all !== view.all) {
      this.#announce(null, view.all);
      resumed ||= !view.all;
    }
    for (const name of view.names) {
      if (!before.names.has(name)) this.#announce(name, true);
    }
    for (const name of before.names) {
      if (!view.names.has(name)) {
        this.#announce(name, false);
        resumed = true;
      }
    }
    if (resumed) this.#onResumed();
  }

  /** Takes one change (this instance's own `pause()` or `resume()`) into the view. */
  set(name: string | null, paused: boolean): void {
    const names = new Set(this.#view.names);
    if (name !== null) {
      if (paused) names.add(name);
      else names.delete(name);
    }
    this.apply({ all: name === null ? paused : this.#view.all, names });
  }

  #announce(name: string | null, paused: boolean): void {
    this.#events.emit(paused ? 'queue:paused' : 'queue:resumed', { name });
  }
}
