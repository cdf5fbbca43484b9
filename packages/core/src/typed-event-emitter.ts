import { EventEmitter } from 'node:events';

/**
 * Event names mapped to the arguments their listeners receive, such as
 * `{ 'job:start': [job: Job] }`.
 *
 * @example
 * ```ts
 * type Events = { tick: [count: number]; done: [] };
 * const args: EventArguments<Events>['tick'] = [1];
 * ```
 */
export type EventArguments<Events> = { [K in keyof Events]: unknown[] };

/**
 * Node's `EventEmitter` whose methods check event names and listener arguments against an event
 * map. Declared here, over the plain `EventEmitter` of every `@types/node`, rather than taken
 * from `@types/node`'s generic `EventEmitter<T>` (which only its versions from 20.11 on have),
 * so that Monque's declarations compile with older `@types/node` too.
 *
 * @typeParam Events - Event names mapped to the arguments of their listeners.
 *
 * @example
 * ```ts
 * const emitter: TypedEventEmitter<MonqueEventMap<DocsJobs>> = monque;
 * emitter.on('job:complete', ({ job, duration }) => console.log(job.name, duration));
 * ```
 */
export interface TypedEventEmitter<Events extends EventArguments<Events>> extends EventEmitter {
  /**
   * Adds `listener` for `event`.
   *
   * @example
   * ```ts
   * monque.on('job:fail', ({ job, error }) => console.warn(job.name, error.message));
   * ```
   */
  on<K extends keyof Events & string>(event: K, listener: (...args: Events[K]) => void): this;
  /**
   * Adds `listener` for the next `event` only.
   *
   * @example
   * ```ts
   * monque.once('changestream:connected', () => console.log('change streams are on'));
   * ```
   */
  once<K extends keyof Events & string>(event: K, listener: (...args: Events[K]) => void): this;
  /**
   * Removes `listener` from `event`.
   *
   * @example
   * ```ts
   * const onStart = (job: Job) => console.log(job.name);
   * monque.on('job:start', onStart);
   * monque.off('job:start', onStart);
   * ```
   */
  off<K extends keyof Events & string>(event: K, listener: (...args: Events[K]) => void): this;
  /**
   * The same as `on`.
   *
   * @example
   * ```ts
   * monque.addListener('job:start', (job) => console.log(job.name));
   * ```
   */
  addListener<K extends keyof Events & string>(
    event: K,
    listener: (...args: Events[K]) => void,
  ): this;
  /**
   * The same as `off`.
   *
   * @example
   * ```ts
   * monque.removeListener('job:start', onEvent);
   * ```
   */
  removeListener<K extends keyof Events & string>(
    event: K,
    listener: (...args: Events[K]) => void,
  ): this;
  /**
   * Adds `listener` for `event`, before the listeners already there.
   *
   * @example
   * ```ts
   * monque.prependListener('job:error', ({ error }) => console.error(error));
   * ```
   */
  prependListener<K extends keyof Events & string>(
    event: K,
    listener: (...args: Events[K]) => void,
  ): this;
  /**
   * Adds `listener` for the next `event` only, before the listeners already there.
   *
   * @example
   * ```ts
   * monque.prependOnceListener('job:start', (job) => console.log('first start', job.name));
   * ```
   */
  prependOnceListener<K extends keyof Events & string>(
    event: K,
    listener: (...args: Events[K]) => void,
  ): this;
  /**
   * Calls the listeners of `event` with `args`; `true` when there were any.
   *
   * @example
   * ```ts
   * monque.emit('stale:recovered', { count: 0 });
   * ```
   */
  emit<K extends keyof Events & string>(event: K, ...args: Events[K]): boolean;
}

/**
 * Node's `EventEmitter` constructor, typed to build a {@link TypedEventEmitter} (at run time it
 * is `EventEmitter` itself).
 *
 * @internal
 */
export const TypedEventEmitter = EventEmitter as unknown as new <
  Events extends EventArguments<Events>,
>() => TypedEventEmitter<Events>;
