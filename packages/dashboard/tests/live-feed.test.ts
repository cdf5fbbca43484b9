import type { ChangeStream } from 'mongodb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type LiveEvent, LiveFeed, type LiveTopic } from '../src/live/live-feed.js';
import type { WatchableCollection } from '../src/management.js';

/** A change stream the test drives: each `tryNext` waits for the test to answer it. */
class ScriptedStream {
  readonly #waiting: {
    resolve: (change: object | null) => void;
    reject: (error: unknown) => void;
  }[] = [];
  closed = false;

  tryNext(): Promise<object | null> {
    return new Promise((resolve, reject) => this.#waiting.push({ resolve, reject }));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const waiter of this.#waiting.splice(0)) waiter.reject(new Error('closed'));
  }

  /** Answers the pending `tryNext` (null: no change in this batch). */
  answer(change: object | null): void {
    const waiter = this.#waiting.shift();
    if (waiter === undefined) throw new Error('nobody is waiting on the stream');
    waiter.resolve(change);
  }

  fail(error: unknown): void {
    const waiter = this.#waiting.shift();
    if (waiter === undefined) throw new Error('nobody is waiting on the stream');
    waiter.reject(error);
  }
}

function setup(options: { refreshInterval?: number } = {}) {
  const streams: ScriptedStream[] = [];
  const collection: WatchableCollection = {
    collectionName: 'jobs',
    watch: () => {
      const stream = new ScriptedStream();
      streams.push(stream);
      return stream as unknown as ChangeStream;
    },
  };
  let reads = 0;
  const errors: Error[] = [];
  const live = new LiveFeed({
    collection,
    refreshInterval: options.refreshInterval ?? 60_000,
    onError: (error) => errors.push(error),
    throttle: 100,
    reopenDelay: 1000,
  });
  const overview: LiveTopic = { read: async () => `figures ${++reads}`, concerns: () => true };
  const events: LiveEvent[] = [];
  const listener = (event: LiveEvent) => events.push(event);
  return {
    live,
    streams,
    errors,
    events,
    listener,
    reads: () => reads,
    subscribe: (to: (event: LiveEvent) => void = listener) =>
      live.subscribe('overview', overview, to),
  };
}

const stream = (streams: ScriptedStream[], index: number): ScriptedStream => {
  const found = streams[index];
  if (found === undefined) throw new Error(`no stream #${index}`);
  return found;
};

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('LiveFeed', () => {
  it('opens one stream for its first subscriber, goes live when the server answers, and reads once', async () => {
    const { live, streams, events, subscribe } = setup();
    const unsubscribe = subscribe();
    expect(events).toEqual([{ type: 'mode', mode: 'connecting' }]);
    expect(streams).toHaveLength(1);
    const second: LiveEvent[] = [];
    const unsubscribeSecond = subscribe((event) => second.push(event));
    expect(streams).toHaveLength(1);
    stream(streams, 0).answer(null);
    await vi.advanceTimersByTimeAsync(0);
    expect(events).toEqual([
      { type: 'mode', mode: 'connecting' },
      { type: 'mode', mode: 'live' },
      { type: 'update', html: 'figures 1' },
    ]);
    expect(second.at(-1)).toEqual({ type: 'update', html: 'figures 1' });
    unsubscribe();
    expect(stream(streams, 0).closed).toBe(false);
    unsubscribeSecond();
    expect(stream(streams, 0).closed).toBe(true);
    expect(live.subscribers).toBe(0);
  });

  it('coalesces a burst of changes into one read after the throttle', async () => {
    const { streams, events, subscribe, reads } = setup();
    subscribe();
    stream(streams, 0).answer(null);
    await vi.advanceTimersByTimeAsync(0);
    expect(reads()).toBe(1);
    for (let index = 0; index < 5; index++) {
      stream(streams, 0).answer({ operationType: 'insert' });
      await vi.advanceTimersByTimeAsync(10);
    }
    expect(reads()).toBe(1);
    await vi.advanceTimersByTimeAsync(100);
    expect(reads()).toBe(2);
    expect(events.at(-1)).toEqual({ type: 'update', html: 'figures 2' });
  });

  it('re-reads every refresh interval so time-windowed figures stay current', async () => {
    const { streams, subscribe, reads } = setup({ refreshInterval: 5000 });
    subscribe();
    stream(streams, 0).answer(null);
    await vi.advanceTimersByTimeAsync(0);
    expect(reads()).toBe(1);
    await vi.advanceTimersByTimeAsync(5000);
    expect(reads()).toBe(2);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(reads()).toBe(4);
  });

  it('falls back to periodic reads for good on a server without change streams (40573)', async () => {
    const { live, streams, events, subscribe, errors, reads } = setup({ refreshInterval: 2000 });
    subscribe();
    stream(streams, 0).fail(
      Object.assign(new Error('The $changeStream stage is only supported on replica sets'), {
        code: 40573,
      }),
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(events.at(-1)).toMatchObject({ type: 'mode', mode: 'polling' });
    expect(live.mode).toBe('polling');
    expect(errors).toEqual([]);
    await vi.advanceTimersByTimeAsync(6000);
    expect(reads()).toBe(3);
    expect(streams).toHaveLength(1);
  });

  it('reports a failed stream, polls, and reopens it after the delay', async () => {
    const { live, streams, events, subscribe, errors } = setup({ refreshInterval: 2000 });
    subscribe();
    stream(streams, 0).answer(null);
    await vi.advanceTimersByTimeAsync(0);
    stream(streams, 0).fail(new Error('connection reset'));
    await vi.advanceTimersByTimeAsync(0);
    expect(errors.map((error) => error.message)).toEqual([
      '@monque/dashboard: the change stream failed: connection reset',
    ]);
    expect(events.at(-1)).toEqual({
      type: 'mode',
      mode: 'polling',
      reason: 'the change stream failed (connection reset); it is retried',
    });
    await vi.advanceTimersByTimeAsync(1000);
    expect(streams).toHaveLength(2);
    stream(streams, 1).answer(null);
    await vi.advanceTimersByTimeAsync(0);
    expect(live.mode).toBe('live');
  });

  it('sends a problem and reports it when the figures cannot be read', async () => {
    const errors: Error[] = [];
    const events: LiveEvent[] = [];
    const streams: ScriptedStream[] = [];
    const live = new LiveFeed({
      collection: {
        collectionName: 'jobs',
        watch: () => {
          const created = new ScriptedStream();
          streams.push(created);
          return created as unknown as ChangeStream;
        },
      },
      refreshInterval: 60_000,
      onError: (error) => errors.push(error),
    });
    const failing: LiveTopic = {
      read: async () => {
        throw new Error('not primary');
      },
      concerns: () => true,
    };
    live.subscribe('overview', failing, (event) => events.push(event));
    stream(streams, 0).answer(null);
    await vi.advanceTimersByTimeAsync(0);
    expect(events.at(-1)).toEqual({
      type: 'problem',
      message: 'Could not read the figures: not primary',
    });
    expect(errors.map((error) => error.message)).toEqual([
      '@monque/dashboard: could not read the live figures: not primary',
    ]);
  });

  it('closes: drops every page and waits for the stream to close', async () => {
    const { live, streams, events, subscribe } = setup();
    subscribe();
    stream(streams, 0).answer(null);
    await vi.advanceTimersByTimeAsync(0);
    const seen = events.length;
    await live.close();
    expect(stream(streams, 0).closed).toBe(true);
    expect(live.subscribers).toBe(0);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(events).toHaveLength(seen);
  });

  it('stops reading and closes the stream when the last page leaves', async () => {
    const { streams, subscribe, reads } = setup({ refreshInterval: 1000 });
    const unsubscribe = subscribe();
    stream(streams, 0).answer(null);
    await vi.advanceTimersByTimeAsync(0);
    unsubscribe();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(reads()).toBe(1);
    expect(stream(streams, 0).closed).toBe(true);
  });

  it('reads a job topic only for changes to that job, once for all its pages', async () => {
    const { live, streams } = setup();
    const reads: string[] = [];
    const job = (id: string): LiveTopic => ({
      read: async () => {
        reads.push(id);
        return `job ${id}`;
      },
      concerns: (documentId) => documentId === id,
    });
    const pages: LiveEvent[][] = [[], [], []];
    live.subscribe('job:a', job('a'), (event) => pages[0]?.push(event));
    live.subscribe('job:a', job('a'), (event) => pages[1]?.push(event));
    live.subscribe('job:b', job('b'), (event) => pages[2]?.push(event));
    stream(streams, 0).answer(null);
    await vi.advanceTimersByTimeAsync(0);
    expect(reads.sort()).toEqual(['a', 'b']);
    reads.length = 0;
    stream(streams, 0).answer({ operationType: 'update', documentKey: { _id: 'a' } });
    await vi.advanceTimersByTimeAsync(100);
    expect(reads).toEqual(['a']);
    expect(pages[0]?.at(-1)).toEqual({ type: 'update', html: 'job a' });
    expect(pages[1]?.at(-1)).toEqual({ type: 'update', html: 'job a' });
    stream(streams, 0).answer({
      operationType: 'update',
      documentKey: { _id: { toHexString: () => 'b' } },
    });
    await vi.advanceTimersByTimeAsync(100);
    expect(reads).toEqual(['a', 'b']);
    stream(streams, 0).answer({ operationType: 'delete', documentKey: { _id: 'c' } });
    await vi.advanceTimersByTimeAsync(100);
    expect(reads).toEqual(['a', 'b']);
    expect(live.subscribers).toBe(3);
  });
});
