import type { ChangeStream, Document } from 'mongodb';
import { asError } from '../http/errors.js';
import type { WatchableCollection } from '../management.js';

/**
 * How the open pages are kept current: `connecting` until the change stream answers, `live`
 * while it does (a change is pushed within {@link LiveFeedOptions.throttle}), `polling` where
 * change streams are unavailable or the stream failed (fragments every refresh interval).
 */
export type LiveMode = 'connecting' | 'live' | 'polling';

/** What an open page is sent. */
export type LiveEvent =
  | { readonly type: 'mode'; readonly mode: LiveMode; readonly reason?: string }
  | { readonly type: 'update'; readonly html: string }
  | { readonly type: 'problem'; readonly message: string };

/** A part of a page that follows the collection, such as the overview's figures or one job. */
export interface LiveTopic {
  /** Reads what the topic shows and renders it (the page's live fragment). */
  readonly read: () => Promise<string>;
  /** Whether a change to the document with this id (a hex string when it is an ObjectId) concerns it. */
  readonly concerns: (documentId: string | undefined) => boolean;
}

/** What a {@link LiveFeed} needs. */
export interface LiveFeedOptions {
  readonly collection: WatchableCollection;
  /** Every topic is re-read this often in every mode (ms). */
  readonly refreshInterval: number;
  readonly onError: (error: Error) => void;
  /** The shortest time between two reads after changes (ms). Default 200. */
  readonly throttle?: number;
  /** After the stream failed, the wait before it is opened again (ms). Default 30 000. */
  readonly reopenDelay?: number;
}

/** MongoDB's answer to `$changeStream` on a server that is not a replica set member. */
export const CHANGE_STREAMS_UNSUPPORTED = 40573;

/** Which document changed is all that is needed: the events are reduced to that. */
const PIPELINE = [{ $project: { operationType: 1, documentKey: 1 } }];

function codeOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
}

/** The changed document's id as text (a hex string for an ObjectId), if the event has one. */
function documentIdOf(change: Document): string | undefined {
  const id: unknown = (change.documentKey as Document | undefined)?._id;
  if (typeof id === 'string') return id;
  const hex = (id as { toHexString?: unknown } | undefined)?.toHexString;
  return typeof hex === 'function' ? String(hex.call(id)) : undefined;
}

interface Subscription {
  readonly topic: LiveTopic;
  readonly listeners: Set<(event: LiveEvent) => void>;
}

/**
 * One change stream on the jobs collection, shared by every open page of a dashboard: opened when
 * the first page subscribes, closed when the last one leaves. Pages showing the same thing share
 * a topic (by key); each batch of changes leads to one read of each topic it concerns, sent to
 * every page of that topic.
 */
export class LiveFeed {
  readonly #options: LiveFeedOptions;
  readonly #throttle: number;
  readonly #reopenDelay: number;
  readonly #topics = new Map<string, Subscription>();
  /** Topics to read at the next read. */
  readonly #dirty = new Set<string>();
  #mode: { mode: LiveMode; reason?: string } = { mode: 'connecting' };
  #stream: ChangeStream | undefined;
  #tick: NodeJS.Timeout | undefined;
  #pending: NodeJS.Timeout | undefined;
  #reopen: NodeJS.Timeout | undefined;
  #reading = false;

  constructor(options: LiveFeedOptions) {
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
    let count = 0;
    for (const { listeners } of this.#topics.values()) count += listeners.size;
    return count;
  }

  /**
   * Subscribes a page to a topic (pages with the same `key` share one read); it is told the mode
   * at once. Returns the unsubscribe function.
   */
  subscribe(key: string, topic: LiveTopic, listener: (event: LiveEvent) => void): () => void {
    const first = this.#topics.size === 0;
    let subscription = this.#topics.get(key);
    if (subscription === undefined) {
      subscription = { topic, listeners: new Set() };
      this.#topics.set(key, subscription);
    }
    subscription.listeners.add(listener);
    listener({ type: 'mode', ...this.#mode });
    if (first) this.#start();
    const { listeners } = subscription;
    return () => {
      if (!listeners.delete(listener) || listeners.size > 0) return;
      this.#topics.delete(key);
      this.#dirty.delete(key);
      if (this.#topics.size === 0) void this.#stop();
    };
  }

  /** Drops every page and closes the change stream. */
  async close(): Promise<void> {
    this.#topics.clear();
    this.#dirty.clear();
    await this.#stop();
  }

  #emitAll(event: LiveEvent): void {
    for (const { listeners } of [...this.#topics.values()]) {
      for (const listener of [...listeners]) listener(event);
    }
  }

  #setMode(mode: LiveMode, reason?: string): void {
    this.#mode = reason === undefined ? { mode } : { mode, reason };
    this.#emitAll({ type: 'mode', ...this.#mode });
  }

  #start(): void {
    this.#mode = { mode: 'connecting' };
    this.#tick = setInterval(() => this.#readSoon(undefined, 0), this.#options.refreshInterval);
    this.#open();
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
          this.#readSoon(undefined, 0);
        }
        if (change !== null) this.#readSoon(documentIdOf(change), this.#throttle);
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

  /**
   * Marks the topics a change concerns (every topic for `undefined`: a refresh or a new stream)
   * and reads them now (`delay` 0) or after `delay` ms unless a read is already due; bursts of
   * changes are read once.
   */
  #readSoon(documentId: string | undefined, delay: number): void {
    for (const [key, { topic }] of this.#topics) {
      if (documentId === undefined || topic.concerns(documentId)) this.#dirty.add(key);
    }
    if (this.#dirty.size === 0 || this.#reading) return;
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
    const keys = [...this.#dirty];
    this.#dirty.clear();
    this.#reading = true;
    try {
      await Promise.all(keys.map((key) => this.#readTopic(key)));
    } finally {
      this.#reading = false;
    }
    // Changes that came during the read are read after the throttle.
    if (this.#dirty.size > 0 && this.#pending === undefined) {
      this.#pending = setTimeout(() => {
        this.#pending = undefined;
        void this.#read();
      }, this.#throttle);
    }
  }

  async #readTopic(key: string): Promise<void> {
    const subscription = this.#topics.get(key);
    if (subscription === undefined) return;
    let event: LiveEvent;
    try {
      event = { type: 'update', html: await subscription.topic.read() };
    } catch (error) {
      const cause = asError(error);
      this.#options.onError(
        new Error(`@monque/dashboard: could not read the live figures: ${cause.message}`, {
          cause,
        }),
      );
      event = { type: 'problem', message: `Could not read the figures: ${cause.message}` };
    }
    for (const listener of [...subscription.listeners]) listener(event);
  }
}
