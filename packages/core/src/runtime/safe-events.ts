import type { EventEmitter } from 'node:events';
import { ListenerError } from '../errors.js';
import type { MonqueEventMap } from '../events.js';
import type { Job } from '../jobs/job.js';
import { UnheardWarnings } from './unheard-warnings.js';

/**
 * Where the parts of an instance send their events and report their errors. Every emit is safe:
 * a listener that throws (or whose promise rejects) changes nothing for the caller.
 */
export interface MonqueEvents {
  /** Calls every listener of `event`; what a listener throws is reported, never passed on. */
  emit<K extends keyof MonqueEventMap>(event: K, ...args: MonqueEventMap[K]): void;
  /** Reports an error of Monque itself: `job:error`, or a process warning when nobody listens. */
  error(error: Error, job?: Job): void;
}

type Listener = (...args: unknown[]) => unknown;

/** The job an event is about, if any (named in the report of a listener that threw). */
function jobOf<K extends keyof MonqueEventMap>(event: K, args: MonqueEventMap[K]): Job | undefined {
  const [first] = args as unknown[];
  if (event === 'job:start') return first as Job;
  return (first as { job?: Job } | undefined)?.job;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * The one way Monque emits events (like graphile-worker's `safeEmit`). Each listener is called on
 * its own, so one that throws neither stops the others nor reaches the scheduler: a job's fate,
 * the claim loop and the change stream go on as if it had returned. What it threw is reported as
 * a {@link ListenerError}: through `job:error` — unless it was a `job:error` listener (no report
 * feeds back into the event that failed) or nobody listens to `job:error` — and otherwise as a
 * process warning, rate-limited per kind.
 */
export class SafeEvents implements MonqueEvents {
  readonly #emitter: EventEmitter;
  readonly #warnings: UnheardWarnings;

  /**
   * @param emitter - Whose listeners are called: the Monque instance (any `EventEmitter`; the
   * event names and payloads are checked by {@link MonqueEvents.emit}).
   */
  constructor(emitter: EventEmitter, warnings: UnheardWarnings = new UnheardWarnings()) {
    this.#emitter = emitter;
    this.#warnings = warnings;
  }

  emit<K extends keyof MonqueEventMap>(event: K, ...args: MonqueEventMap[K]): void {
    // `rawListeners` keeps `once` wrappers, which remove themselves when called, as `emit` does.
    const listeners = this.#emitter.rawListeners(event) as unknown as Listener[];
    for (const listener of listeners) {
      this.#call(event, listener, args);
    }
  }

  error(error: Error, job?: Job): void {
    if (this.#emitter.listenerCount('job:error') === 0) {
      this.#warnings.warn(error);
      return;
    }
    this.emit('job:error', job === undefined ? { error } : { error, job });
  }

  #call<K extends keyof MonqueEventMap>(
    event: K,
    listener: Listener,
    args: MonqueEventMap[K],
  ): void {
    let result: unknown;
    try {
      result = Reflect.apply(listener, this.#emitter, args);
    } catch (error) {
      this.#listenerFailed(event, error, jobOf(event, args));
      return;
    }
    if (isThenable(result)) {
      result.then(undefined, (error: unknown) => {
        this.#listenerFailed(event, error, jobOf(event, args));
      });
    }
  }

  #listenerFailed(event: keyof MonqueEventMap, thrown: unknown, job: Job | undefined): void {
    const error = new ListenerError(event, thrown);
    if (event === 'job:error') {
      this.#warnings.warn(error);
      return;
    }
    this.error(error, job);
  }
}
