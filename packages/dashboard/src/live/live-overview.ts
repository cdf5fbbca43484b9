import type { ChangeStream } from 'mongodb';
import { asError } from '../http/errors.js';
import type { WatchableCollection } from '../management.js';

/**
 * How the open overview pages are kept current: `connecting` until the change stream answers,
 * `live` while it does (a change is pushed within {@link LiveOverviewOptions.throttle}), `polling`
 * where change streams are unavailable or the stream failed (figures every refresh interval).
 */
export type LiveMode = 'connecting' | 'live' | 'polling';

/** What the open overview pages are sent. */
export type LiveEvent =
  | { readonly type: 'mode'; readonly mode: LiveMode; readonly reason?: string }
  | { readonly type: 'figures'; readonly html: string }
  | { readonly type: 'problem'; readonly message: string };

/** What a {@link LiveOverview} needs. */
export interface LiveOverviewOptions {
  readonly collection: WatchableCollection;
  /** Reads the figures and renders them (the overview's live fragment). */
  readonly readFigures: () => Promise<string>;
  /** Figures are re-read this often in every mode (ms). */
  readonly refreshInterval: number;
  readonly onError: (error: Error) => void;
  /** The shortest time between two reads after changes (ms). Default 200. */
  readonly throttle?: number;
  /** After the stream failed, the wait before it is opened again (ms). Default 30 000. */
  readonly reopenDelay?: number;
}

/** MongoDB's answer to `$changeStream` on a server that is not a replica set member. */
export const CHANGE_STREAMS_UNSUPPORTED = 40573;

/** Only the fact that something changed is needed: the events are reduced to their type. */
const PIPELINE = [{ $project: { operationType: 1 } }];

function codeOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
}

/**
 * One change stream on the jobs collection, shared by every open overview page of a dashboard:
 * opened when the first page subscribes, closed when the last one leaves. Each batch of changes
 * leads to one read of the figures, sent to every page.
 */
export class LiveOverview {
  readonly #options: LiveOverviewOptions;
  readonly #throttle: number;
  readonly #reopenDelay: number;
  readonly #listeners = new Set<(event: LiveEvent) => void>();
  #mode: { mode: LiveMode; reason?: string } = { mode: 'connecting' };
  #stream: ChangeStream | undefined;
  #tick: NodeJS.Timeout | undefined;
  #pending: NodeJS.Timeout | undefined;
  #reopen: NodeJS.Timeout | undefined;
  #reading = false;
  #readAgain = false;

  constructor(options: LiveOverviewOptions) {
    this.#options = options;
    this.#throttle = options.throttle ?? 200;
    this.#reopenDelay = options.reopenDelay ?? 30_000;
  }

  /** The current mode. */
  get mode(): LiveMode {
    return this.#mode.mode;
  }

  /** How many pages are subscribed. */
  get subscribers(): number {
    return this.#listeners.size;
  }

  /** Subscribes a page: it is told the mode at once. Returns the unsubscribe function. */
  subscribe(listener: (event: LiveEvent) => void): () => void {
    this.#listeners.add(listener);
    listener({ type: 'mode', ...this.#mode });
    if (this.#listeners.size === 1) this.#start();
    return () => {
      if (this.#listeners.delete(listener) && this.#listeners.size === 0) void this.#stop();
    };
  }

  #emit(event: LiveEvent): void {
    for (const listener of [...this.#listeners]) listener(event);
  }

  #setMode(mode: LiveMode, reason?: string): void {
    this.#mode = reason === undefined ? { mode } : { mode, reason };
    this.#emit({ type: 'mode', ...this.#mode });
  }

  #start(): void {
    this.#mode = { mode: 'connecting' };
    this.#tick = setInterval(() => this.#requestRead(0), this.#options.refreshInterval);
    this.#open();
  }

  /** Drops every subscriber and closes the change stream. */
  async close(): Promise<void> {
    this.#listeners.clear();
    await this.#stop();
  }

  async #stop(): Promise<void> {
    clearInterval(this.#tick);
    clearTimeout(this.#pending);
    clearTimeout(this.#reopen);
    this.#tick = this.#pending = this.#reopen = undefined;
    const stream = this.#stream;
    this.#stream = undefined;
    await stream?.close().catch((error: unknown) => this.#options.onError(asError(error)));
  }

  #open(): void {
    this.#reopen = undefined;
    let stream: ChangeStream;
    try {
      stream = this.#options.collection.watch(PIPELINE);
    } catch (error) {
      this.#failed(error);
      return;
    }
    this.#stream = stream;
    void this.#consume(stream);
  }

  async #consume(stream: ChangeStream): Promise<void> {
    let connected = false;
    try {
      while (this.#stream === stream) {
        const change = await stream.tryNext();
        if (this.#stream !== stream) return;
        if (!connected) {
          connected = true;
          this.#setMode('live');
          // Changes made between the page's render and the stream's start are read now.
          this.#requestRead(0);
        }
        if (change !== null) this.#requestRead(this.#throttle);
      }
    } catch (error) {
      if (this.#stream !== stream) return;
      this.#stream = undefined;
      stream.close().catch(() => {
        // The stream already failed; its error is the one reported below.
      });
      this.#failed(error);
    }
  }

  #failed(error: unknown): void {
    const cause = asError(error);
    if (codeOf(error) === CHANGE_STREAMS_UNSUPPORTED) {
      this.#setMode(
        'polling',
        'change streams need a replica set or a sharded cluster; figures refresh periodically',
      );
      return;
    }
    this.#options.onError(
      new Error(`@monque/dashboard: the change stream failed: ${cause.message}`, { cause }),
    );
    this.#setMode('polling', `the change stream failed (${cause.message}); it is retried`);
    this.#reopen = setTimeout(() => this.#open(), this.#reopenDelay);
  }

  /** Reads the figures now (`delay` 0) or after `delay` ms unless a read is already due; coalesces bursts. */
  #requestRead(delay: number): void {
    if (this.#reading) {
      this.#readAgain = true;
      return;
    }
    if (delay === 0) {
      clearTimeout(this.#pending);
      this.#pending = undefined;
      void this.#read();
      return;
    }
    if (this.#pending !== undefined) return;
    this.#pending = setTimeout(() => {
      this.#pending = undefined;
      void this.#read();
    }, delay);
  }

  async #read(): Promise<void> {
    if (this.#listeners.size === 0) return;
    this.#reading = true;
    try {
      const figures = await this.#options.readFigures();
      this.#emit({ type: 'figures', html: figures });
    } catch (error) {
      const cause = asError(error);
      this.#options.onError(
        new Error(`@monque/dashboard: could not read the overview figures: ${cause.message}`, {
          cause,
        }),
      );
      this.#emit({ type: 'problem', message: `Could not read the figures: ${cause.message}` });
    } finally {
      this.#reading = false;
    }
    if (this.#readAgain && this.#listeners.size > 0) {
      this.#readAgain = false;
      this.#requestRead(this.#throttle);
    }
  }
}
