import { afterEach, describe, expect, it, vi } from 'vitest';
import { Monque } from '../../src/monque.js';
import { fakeDb } from '../runtime/fake-db.js';
import { deferred } from '../runtime/fakes.js';

afterEach(() => {
  vi.useRealTimers();
});

/** A SIGTERM during start-up must not be lost: `stop()` at any point wins. */
describe('stop() during start()', () => {
  it('wins: nothing runs afterwards and no timer of Monque is left', async () => {
    vi.useFakeTimers();
    const indexes = deferred<void>();
    const { db, calls, streams } = fakeDb({ hold: { createIndexes: indexes.promise } });
    const monque = new Monque(db);
    monque.worker('work', () => {});
    const order: string[] = [];
    const starting = monque.start().then(() => order.push('started'));
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toEqual(['createIndexes']);
    const stopping = monque.stop().then(() => order.push('stopped'));
    await vi.advanceTimersByTimeAsync(0);
    expect(order).toEqual([]);
    // initialize() was in flight; it ends, and stop() then resolves without anything started.
    indexes.resolve();
    await Promise.all([starting, stopping]);
    expect(order).toEqual(['started', 'stopped']);
    expect(monque.isHealthy()).toBe(false);
    expect(streams).toEqual([]);
    expect(calls.filter((call) => call !== 'createIndexes' && call !== 'updateMany')).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(streams).toEqual([]);
  });

  it('wins during the stale recovery of start-up too', async () => {
    vi.useFakeTimers();
    const recovery = deferred<void>();
    const { db, streams } = fakeDb({ hold: { updateMany: recovery.promise } });
    const monque = new Monque(db);
    monque.worker('work', () => {});
    const starting = monque.start();
    await vi.advanceTimersByTimeAsync(0);
    const stopping = monque.stop();
    recovery.resolve();
    await Promise.all([starting, stopping]);
    expect(monque.isHealthy()).toBe(false);
    expect(streams).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('wins while the pauses in force are read, after initialization', async () => {
    const pauses = deferred<void>();
    const { db, calls, streams, controlStreams } = fakeDb({ hold: { find: pauses.promise } });
    const monque = new Monque(db);
    monque.worker('work', () => {});
    const starting = monque.start();
    await vi.waitFor(() => expect(calls).toContain('find'));
    const stopping = monque.stop();
    pauses.resolve();
    await Promise.all([starting, stopping]);
    expect(monque.isHealthy()).toBe(false);
    expect([...streams, ...controlStreams]).toEqual([]);
  });

  it('a start() overtaken before it began initializes nothing', async () => {
    const { db, calls, streams } = fakeDb();
    const monque = new Monque(db);
    await Promise.all([monque.start(), monque.stop()]);
    expect(calls).toEqual([]);
    expect(streams).toEqual([]);
  });

  it('the last call wins: start(), stop(), start() ends running', async () => {
    const indexes = deferred<void>();
    const { db, streams } = fakeDb({ hold: { createIndexes: indexes.promise } });
    const monque = new Monque(db);
    const first = monque.start();
    const stopping = monque.stop();
    const second = monque.start();
    indexes.resolve();
    await Promise.all([first, stopping, second]);
    expect(monque.isHealthy()).toBe(true);
    expect(streams).toHaveLength(1);
    await monque.stop();
    expect(monque.isHealthy()).toBe(false);
  });

  it('stop() resolves when the start it interrupted fails', async () => {
    const indexes = deferred<void>();
    const { db, calls, streams } = fakeDb({ hold: { createIndexes: indexes.promise } });
    const monque = new Monque(db);
    const starting = monque.start();
    await vi.waitFor(() => expect(calls).toEqual(['createIndexes']));
    const stopping = monque.stop();
    indexes.reject(Object.assign(new Error('connection reset'), { name: 'MongoNetworkError' }));
    await expect(starting).rejects.toThrow(/connection reset/);
    await expect(stopping).resolves.toBeUndefined();
    expect(streams).toEqual([]);
  });

  it('stop() waits for a heartbeat in flight, so no round trip of Monque outlives it', async () => {
    const heartbeat = deferred<void>();
    const { db, calls, state } = fakeDb();
    const monque = new Monque(db, { heartbeatInterval: 5, lockTimeout: 10 });
    await monque.start();
    const beats = calls.length;
    state.hold = { updateMany: heartbeat.promise };
    await vi.waitFor(() => expect(calls.length).toBeGreaterThan(beats));
    let stopped = false;
    const stopping = monque.stop().then(() => {
      stopped = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    heartbeat.resolve();
    await stopping;
    expect(stopped).toBe(true);
  });
});
