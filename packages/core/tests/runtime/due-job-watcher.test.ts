import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MonqueEventMap } from '../../src/events.js';
import { DueJobWatcher } from '../../src/notify/due-job-watcher.js';
import { SafeEvents } from '../../src/runtime/safe-events.js';
import { fakeWatchCollection, flush, serverError } from './fakes.js';

function setup(
  nextFutureRun: (name: string) => Promise<Date | null> = async () => null,
  nextPendingRun: (name: string) => Promise<Date | null> = async () => null,
) {
  const { collection, streams } = fakeWatchCollection();
  const requests: string[] = [];
  const errors: unknown[] = [];
  const registered = new Set(['a', 'b']);
  const watcher = new DueJobWatcher({
    collection,
    events: new SafeEvents(new EventEmitter<MonqueEventMap>()),
    pollInterval: 50,
    backupPollInterval: 1000,
    isRegistered: (name) => registered.has(name),
    names: () => [...registered],
    request: (name) => requests.push(name),
    requestAll: () => requests.push('*'),
    nextFutureRun,
    nextPendingRun,
    onError: (error) => errors.push(error),
    maxReconnects: 1,
  });
  return { watcher, streams, requests, errors };
}

const pending = (name: string, nextRunAt: Date) => ({
  fullDocument: { name, status: 'pending', nextRunAt },
});

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('DueJobWatcher', () => {
  it('polls at pollInterval until the stream answers, then at backupPollInterval', async () => {
    const lookups: string[] = [];
    const { watcher, streams, requests } = setup(undefined, async (name) => {
      lookups.push(name);
      return null;
    });
    watcher.start();
    await vi.advanceTimersByTimeAsync(50);
    expect(requests).toEqual(['*']);
    expect(lookups).toEqual([]);
    streams[0]?.answer(null);
    await flush();
    expect(requests).toEqual(['*', '*']);
    requests.length = 0;
    await vi.advanceTimersByTimeAsync(999);
    expect(requests).toEqual([]);
    expect(lookups).toEqual([]);
    // The backup poll: one lookup per name, nothing pending, so no claim.
    await vi.advanceTimersByTimeAsync(1);
    expect(lookups).toEqual(['a', 'b']);
    expect(requests).toEqual([]);
    await watcher.stop();
  });

  it('claims at a backup poll when the earliest pending job is due, and wakes for a later one', async () => {
    const due = new Date(Date.now() - 1);
    const later = new Date(Date.now() + 5000);
    let streaming = true;
    const { watcher, streams, requests } = setup(
      async () => null,
      async (name) => {
        if (name === 'b') {
          // The stream failed while this lookup was on its way: nothing is armed.
          streams[0]?.fail(serverError(280));
          streaming = false;
          return later;
        }
        return streaming ? due : null;
      },
    );
    watcher.start();
    streams[0]?.answer(null);
    await flush();
    requests.length = 0;
    await vi.advanceTimersByTimeAsync(1000);
    expect(requests).toEqual(['a']);
    requests.length = 0;
    await vi.advanceTimersByTimeAsync(5000);
    expect(requests.filter((request) => request !== '*')).toEqual([]);
    await watcher.stop();
  });

  it('arms the wake timer of a later job found by the backup poll', async () => {
    const later = new Date(Date.now() + 1500);
    const { watcher, streams, requests } = setup(undefined, async (name) =>
      name === 'a' ? later : null,
    );
    watcher.start();
    streams[0]?.answer(null);
    await flush();
    requests.length = 0;
    await vi.advanceTimersByTimeAsync(1000);
    expect(requests).toEqual([]);
    await vi.advanceTimersByTimeAsync(500);
    expect(requests).toEqual(['a']);
    await watcher.stop();
  });

  it('claims due jobs at each notification, at once, and wakes for future ones', async () => {
    const future = new Date(Date.now() + 500);
    const later = new Date(Date.now() + 5000);
    const { watcher, streams, requests } = setup(async (name) => (name === 'a' ? later : null));
    watcher.start();
    const stream = streams[0];
    stream?.answer(null);
    await flush();
    requests.length = 0;
    stream?.answer(pending('a', new Date()));
    await flush();
    stream?.answer(pending('a', new Date()));
    await flush();
    stream?.answer(pending('unknown', new Date()));
    await flush();
    stream?.answer(pending('b', future));
    await flush();
    // No window: each notification of a due job is a request (the dispatcher coalesces them).
    expect(requests).toEqual(['a', 'a']);
    await vi.advanceTimersByTimeAsync(500);
    expect(requests).toEqual(['a', 'a', 'b']);
    // The timer armed from the lookup at connection fires for 'a' at `later`.
    await vi.advanceTimersByTimeAsync(4500);
    expect(requests.filter((request) => request !== '*')).toEqual(['a', 'a', 'b', 'a']);
    await watcher.stop();
  });

  it('watches a newly registered name: claims, and arms its timer while streaming', async () => {
    const at = new Date(Date.now() + 300);
    const lookups: string[] = [];
    const { watcher, streams, requests } = setup(async (name) => {
      lookups.push(name);
      return at;
    });
    watcher.watchName('a');
    expect(requests).toEqual(['a']);
    expect(lookups).toEqual([]);
    watcher.start();
    streams[0]?.answer(null);
    await flush();
    lookups.length = 0;
    requests.length = 0;
    watcher.watchName('b');
    await flush();
    expect(lookups).toEqual(['b']);
    await vi.advanceTimersByTimeAsync(300);
    expect(requests).toContain('b');
    await watcher.stop();
  });

  it('reports failed lookups and arms nothing after a stop', async () => {
    let fail = true;
    let resolveLookup: (value: Date | null) => void = () => {};
    const { watcher, streams, requests, errors } = setup((): Promise<Date | null> => {
      if (fail) return Promise.reject(new Error('lookup failed'));
      return new Promise((resolve) => {
        resolveLookup = resolve;
      });
    });
    watcher.start();
    streams[0]?.answer(null);
    await flush();
    expect(errors).toHaveLength(2);
    fail = false;
    await vi.advanceTimersByTimeAsync(1000);
    await watcher.stop();
    resolveLookup(new Date(Date.now() + 10));
    await flush();
    requests.length = 0;
    await vi.advanceTimersByTimeAsync(1000);
    expect(requests).toEqual([]);
  });

  it('returns to fast polling while reconnecting and after a fallback', async () => {
    const { watcher, streams, requests } = setup(async () => new Date(Date.now() + 60_000));
    watcher.start();
    streams[0]?.answer(null);
    await flush();
    streams[0]?.fail(serverError(280));
    await flush();
    requests.length = 0;
    await vi.advanceTimersByTimeAsync(50);
    expect(requests).toEqual(['*']);
    await vi.advanceTimersByTimeAsync(100);
    streams[1]?.fail(serverError(280));
    await flush();
    requests.length = 0;
    await vi.advanceTimersByTimeAsync(100);
    expect(requests).toEqual(['*', '*']);
    // Armed timers were dropped: nothing fires at the looked-up time.
    await vi.advanceTimersByTimeAsync(60_000);
    expect(requests.filter((request) => request !== '*')).toEqual([]);
    await watcher.stop();
  });
});
