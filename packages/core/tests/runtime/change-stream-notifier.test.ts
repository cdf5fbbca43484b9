import { EventEmitter } from 'node:events';
import { ObjectId } from 'mongodb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MonqueEventMap } from '../../src/events.js';
import {
  CHANGE_STREAM_PIPELINE,
  CHANGE_STREAMS_UNSUPPORTED,
  ChangeStreamNotifier,
  type PendingJobChange,
} from '../../src/notify/change-stream-notifier.js';
import type { CancelRequest } from '../../src/processing/cancel-requests.js';
import { SafeEvents } from '../../src/runtime/safe-events.js';
import { fakeWatchCollection, flush, serverError } from './fakes.js';

function setup(options: { maxReconnects?: number; recoveryDelay?: number } = {}) {
  const { collection, streams, pipelines } = fakeWatchCollection();
  const events = new EventEmitter<MonqueEventMap>();
  const log: string[] = [];
  const changes: PendingJobChange[] = [];
  for (const name of [
    'changestream:connected',
    'changestream:closed',
    'changestream:error',
    'changestream:fallback',
  ] as const) {
    events.on(name, () => log.push(name));
  }
  const calls = { connected: 0, lost: 0, fallback: 0 };
  const notifier = new ChangeStreamNotifier({
    collection,
    events: new SafeEvents(events),
    ...options,
    onPendingJob: (change) => changes.push(change),
    onConnected: () => {
      calls.connected += 1;
    },
    onLost: () => {
      calls.lost += 1;
    },
    onFallback: () => {
      calls.fallback += 1;
    },
  });
  return { notifier, streams, pipelines, events, log, changes, calls };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('ChangeStreamNotifier', () => {
  it('counts as connected once the server answered, then reports pending jobs', async () => {
    const { notifier, streams, pipelines, log, changes, calls } = setup();
    notifier.start();
    expect(pipelines).toHaveLength(1);
    expect(log).toEqual([]);
    const stream = streams[0];
    stream?.answer(null);
    await flush();
    expect(log).toEqual(['changestream:connected']);
    expect(calls.connected).toBe(1);
    const nextRunAt = new Date();
    stream?.answer({ fullDocument: { name: 'a', status: 'pending', nextRunAt } });
    await flush();
    stream?.answer({ fullDocument: { name: 'b', status: 'processing', nextRunAt } });
    await flush();
    stream?.answer({ fullDocument: { name: 'c', status: 'pending', nextRunAt: 'soon' } });
    await flush();
    stream?.answer({ fullDocument: { name: 7, status: 'pending', nextRunAt } });
    await flush();
    stream?.answer({ fullDocument: null });
    await flush();
    stream?.answer({});
    await flush();
    expect(changes).toEqual([{ name: 'a', nextRunAt }]);
    expect(calls.connected).toBe(1);
    await notifier.close();
    expect(stream?.closed).toBe(true);
    expect(log).toEqual(['changestream:connected', 'changestream:closed']);
  });

  it('reconnects with exponential backoff and resets the count once connected', async () => {
    const { notifier, streams, log, calls } = setup();
    notifier.start();
    streams[0]?.answer(null);
    await flush();
    streams[0]?.fail(serverError(280));
    await flush();
    expect(log).toEqual(['changestream:connected', 'changestream:closed', 'changestream:error']);
    expect(calls.lost).toBe(1);
    await vi.advanceTimersByTimeAsync(99);
    expect(streams).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(streams).toHaveLength(2);
    streams[1]?.fail(serverError(280));
    await flush();
    await vi.advanceTimersByTimeAsync(199);
    expect(streams).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(streams).toHaveLength(3);
    streams[2]?.answer(null);
    await flush();
    expect(calls.connected).toBe(2);
    streams[2]?.fail(serverError(280));
    await flush();
    // The count restarted: the next delay is the first one again.
    await vi.advanceTimersByTimeAsync(100);
    expect(streams).toHaveLength(4);
    expect(calls.fallback).toBe(0);
    await notifier.close();
  });

  it('falls back after maxReconnects failed reconnects', async () => {
    const { notifier, streams, log, calls } = setup({ maxReconnects: 2 });
    notifier.start();
    for (let attempt = 0; attempt < 3; attempt += 1) {
      streams[attempt]?.fail(serverError(280, `fail ${attempt}`));
      await flush();
      await vi.advanceTimersByTimeAsync(attempt < 2 ? 10_000 : 0);
    }
    expect(streams).toHaveLength(3);
    expect(calls.fallback).toBe(1);
    expect(log.filter((entry) => entry === 'changestream:error')).toHaveLength(3);
    expect(log.at(-1)).toBe('changestream:fallback');
    await notifier.close();
    expect(log).not.toContain('changestream:closed');
    // close() also cancelled the attempt to re-open the stream.
    await vi.advanceTimersByTimeAsync(60_000);
    expect(streams).toHaveLength(3);
  });

  it('keeps re-opening the stream after a fallback, on a capped backoff, until it is back', async () => {
    const { notifier, streams, log, calls, events } = setup({
      maxReconnects: 0,
      recoveryDelay: 5000,
    });
    const reasons: string[] = [];
    events.on('changestream:fallback', ({ reason }) => reasons.push(reason));
    notifier.start();
    streams[0]?.fail(serverError(280, 'outage'));
    await flush();
    expect(calls.fallback).toBe(1);
    expect(reasons[0]).toMatch(/opened again on a backoff/);
    // Attempts after 5 s, 10 s, 20 s, then every 30 s (capped); each failure is reported.
    for (const [wait, opened] of [
      [4999, 1],
      [1, 2],
      [9999, 2],
      [1, 3],
      [19_999, 3],
      [1, 4],
      [29_999, 4],
      [1, 5],
      [30_000, 6],
    ] as const) {
      if (streams.length > 1 && streams.at(-1)?.pending.length) {
        streams.at(-1)?.fail(serverError(6, 'still down'));
        await flush();
      }
      await vi.advanceTimersByTimeAsync(wait);
      expect(streams).toHaveLength(opened);
    }
    expect(log.filter((entry) => entry === 'changestream:error')).toHaveLength(5);
    expect(calls.fallback).toBe(1);
    expect(calls.lost).toBe(0);
    streams[5]?.answer(null);
    await flush();
    expect(calls.connected).toBe(1);
    expect(log.at(-1)).toBe('changestream:connected');
    // Back to normal: the counts restarted, so a later failure follows the usual path again.
    streams[5]?.fail(serverError(280));
    await flush();
    expect(calls.fallback).toBe(2);
    await vi.advanceTimersByTimeAsync(5000);
    expect(streams).toHaveLength(7);
    await notifier.close();
  });

  it('gives up for good when a re-opened stream finds no change stream support', async () => {
    const { notifier, streams, calls } = setup({ maxReconnects: 0, recoveryDelay: 100 });
    notifier.start();
    streams[0]?.fail(serverError(280));
    await flush();
    await vi.advanceTimersByTimeAsync(100);
    expect(streams).toHaveLength(2);
    streams[1]?.fail(serverError(CHANGE_STREAMS_UNSUPPORTED, 'not a replica set'));
    await flush();
    expect(calls.fallback).toBe(2);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(streams).toHaveLength(2);
  });

  it('falls back at once when the server has no change streams', async () => {
    const { notifier, streams, events, calls } = setup();
    const reasons: string[] = [];
    events.on('changestream:fallback', ({ reason }) => reasons.push(reason));
    notifier.start();
    streams[0]?.fail(serverError(CHANGE_STREAMS_UNSUPPORTED, 'not a replica set'));
    await flush();
    expect(calls.fallback).toBe(1);
    expect(reasons[0]).toMatch(/replica set/);
    expect(reasons[0]).toContain('not a replica set');
  });

  it('wraps a non-Error failure', async () => {
    const { notifier, streams, events } = setup();
    const errors: Error[] = [];
    events.on('changestream:error', ({ error }) => errors.push(error));
    notifier.start();
    streams[0]?.fail('weird');
    await flush();
    expect(errors[0]).toBeInstanceOf(Error);
    expect(errors[0]?.message).toContain('weird');
    await notifier.close();
  });

  it('ignores a stream that was closed or replaced while it waited', async () => {
    const { notifier, streams, log, calls } = setup();
    notifier.start();
    const first = streams[0];
    await notifier.close();
    expect(log).toEqual(['changestream:closed']);
    first?.answer(null);
    await flush();
    expect(calls.connected).toBe(0);
    notifier.start();
    await notifier.close();
    streams[1]?.fail(serverError(280));
    await flush();
    expect(log).toEqual(['changestream:closed', 'changestream:closed']);
    await notifier.close();
    expect(log).toHaveLength(2);
  });

  it('closes every stream that failed before it opens the next one', async () => {
    const { notifier, streams, events } = setup({ maxReconnects: 1 });
    const errors: Error[] = [];
    events.on('job:error', ({ error }) => errors.push(error));
    notifier.start();
    streams[0]?.answer(null);
    await flush();
    streams[0]?.fail(serverError(280));
    await flush();
    expect(streams[0]?.closed).toBe(true);
    await vi.advanceTimersByTimeAsync(100);
    expect(streams).toHaveLength(2);
    // A failed stream that cannot even be closed is reported, and the notifier goes on.
    const second = streams[1];
    if (second !== undefined) second.closeError = new Error('killCursors failed');
    second?.fail(serverError(280));
    await flush();
    expect(second?.closed).toBe(true);
    expect(errors.map(({ message }) => message)).toEqual([
      'could not close a failed change stream: killCursors failed',
    ]);
    await notifier.close();
  });

  it('a changestream:connected listener that throws does not fail the stream', async () => {
    const { notifier, streams, events, calls, log } = setup();
    const errors: Error[] = [];
    events.on('job:error', ({ error }) => errors.push(error));
    events.on('changestream:connected', () => {
      throw new Error('bug in a listener');
    });
    notifier.start();
    streams[0]?.answer(null);
    await flush();
    expect(calls.connected).toBe(1);
    expect(errors.map(({ name }) => name)).toEqual(['ListenerError']);
    expect(log).toEqual(['changestream:connected']);
    expect(streams[0]?.closed).toBe(false);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(streams).toHaveLength(1);
    await notifier.close();
  });

  it('cancels a scheduled reconnect on close()', async () => {
    const { notifier, streams } = setup();
    notifier.start();
    streams[0]?.fail(serverError(280));
    await flush();
    await notifier.close();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(streams).toHaveLength(1);
  });

  it('reports cancel requests for the jobs this instance holds, and only those', async () => {
    const { collection, streams, pipelines } = fakeWatchCollection();
    const requests: CancelRequest[] = [];
    const changes: PendingJobChange[] = [];
    const notifier = new ChangeStreamNotifier({
      collection,
      events: new SafeEvents(new EventEmitter<MonqueEventMap>()),
      onPendingJob: (change) => changes.push(change),
      onConnected: () => {},
      onLost: () => {},
      onFallback: () => {},
      cancelRequests: { instanceId: 'me', onRequest: (request) => requests.push(request) },
    });
    notifier.start();
    // The pipeline passes what the plain one does, and requests for jobs claimed by 'me'.
    const [match] = pipelines[0] as { $match: { $or: object[] } }[];
    expect(match?.$match.$or).toEqual([
      ...((CHANGE_STREAM_PIPELINE[0]?.$match.$or ?? []) as object[]),
      {
        operationType: 'update',
        'updateDescription.updatedFields.cancelRequestedAt': { $type: 'date' },
        'fullDocument.claimedBy': 'me',
      },
    ]);
    const stream = streams[0];
    stream?.answer(null);
    await flush();
    const _id = new ObjectId();
    const lockedAt = new Date();
    const requested = { updateDescription: { updatedFields: { cancelRequestedAt: new Date() } } };
    const held = { _id, status: 'processing', claimedBy: 'me' };
    for (const change of [
      { ...requested, fullDocument: { ...held, lockedAt, repeatInterval: '0 * * * *' } },
      // Unscheduled meanwhile, and a claim without a readable fence.
      { ...requested, fullDocument: { ...held, lockedAt: 'x', repeatInterval: null } },
      { ...requested, fullDocument: { ...held, claimedBy: 'other' } },
      { ...requested, fullDocument: { ...held, status: 'cancelled' } },
      { ...requested, fullDocument: { ...held, _id: 'not an ObjectId' } },
      { updateDescription: { updatedFields: { cancelRequestedAt: null } }, fullDocument: held },
    ]) {
      stream?.answer(change);
      await flush();
    }
    expect(requests).toEqual([
      { _id, lockedAt, repeatInterval: '0 * * * *' },
      { _id, lockedAt: null, repeatInterval: null },
    ]);
    expect(changes).toEqual([]);
    await notifier.close();
  });
});
