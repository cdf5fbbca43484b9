import type { Collection } from 'mongodb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ControlDocument } from '../../src/flow/control-collection.js';
import { ControlWatcher } from '../../src/flow/control-watcher.js';
import { PauseState } from '../../src/flow/pause-state.js';
import type { MonqueEvents } from '../../src/runtime/safe-events.js';
import { deferred, fakeWatchCollection } from './fakes.js';

function watcher(reload = vi.fn(async () => {})) {
  const { collection, streams } = fakeWatchCollection();
  const errors: unknown[] = [];
  const control = new ControlWatcher({
    collection: collection as unknown as Collection<ControlDocument>,
    pollInterval: 100,
    backupPollInterval: 1000,
    reload,
    onError: (error) => errors.push(error),
  });
  return { control, streams, errors, reload };
}

const flush = () => vi.advanceTimersByTimeAsync(0);

describe('ControlWatcher', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reads when its stream answers and at every change; polls every backupPollInterval then', async () => {
    vi.useFakeTimers();
    const { control, streams, reload } = watcher();
    control.start();
    expect(control.streaming).toBe(false);
    streams[0]?.answer(null);
    await flush();
    expect(control.streaming).toBe(true);
    expect(reload).toHaveBeenCalledTimes(1);
    streams[0]?.answer({ operationType: 'update' });
    await flush();
    expect(reload).toHaveBeenCalledTimes(2);
    // A quiet stream: nothing read until the backup poll.
    streams[0]?.answer(null);
    await vi.advanceTimersByTimeAsync(999);
    expect(reload).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(reload).toHaveBeenCalledTimes(3);
    await control.stop();
    expect(streams[0]?.closed).toBe(true);
  });

  it('polls every pollInterval after a failed stream, reports the failure once, and reopens it at a poll', async () => {
    vi.useFakeTimers();
    const { control, streams, errors, reload } = watcher();
    control.start();
    streams[0]?.answer(null);
    await flush();
    const failure = new Error('getMore failed');
    streams[0]?.fail(failure);
    await flush();
    expect(control.streaming).toBe(false);
    expect(errors).toEqual([failure]);
    await vi.advanceTimersByTimeAsync(100);
    // The poll read the collection and opened a new stream, which fails too: not reported again.
    expect(streams).toHaveLength(2);
    expect(reload).toHaveBeenCalledTimes(2);
    streams[1]?.fail(new Error('again'));
    await flush();
    expect(errors).toEqual([failure]);
    await control.stop();
  });

  it('stops trying streams on a server without change streams, and reports a failed close', async () => {
    vi.useFakeTimers();
    const { control, streams, errors, reload } = watcher();
    control.start();
    const closeError = new Error('close failed');
    if (streams[0]) streams[0].closeError = closeError;
    streams[0]?.fail(Object.assign(new Error('not a replica set'), { code: 40573 }));
    await flush();
    expect(errors).toEqual([closeError]);
    await vi.advanceTimersByTimeAsync(300);
    expect(streams).toHaveLength(1);
    expect(reload).toHaveBeenCalledTimes(3);
    await control.stop();
  });

  it('ignores what a stream answers or throws once it was stopped', async () => {
    vi.useFakeTimers();
    const answered = watcher();
    answered.control.start();
    await answered.control.stop();
    answered.streams[0]?.answer({ operationType: 'update' });
    await flush();
    const failed = watcher();
    failed.control.start();
    await failed.control.stop();
    failed.streams[0]?.fail(new Error('closed'));
    await flush();
    expect(answered.reload).not.toHaveBeenCalled();
    expect(failed.reload).not.toHaveBeenCalled();
    expect([...answered.errors, ...failed.errors]).toEqual([]);
  });

  it('coalesces reads asked for while one is on its way into one more', async () => {
    const first = deferred<void>();
    let calls = 0;
    const reload = vi.fn(async () => {
      calls += 1;
      if (calls === 1) await first.promise;
    });
    const { control } = watcher(reload);
    control.start();
    const a = control.read();
    const b = control.read();
    const c = control.read();
    first.resolve();
    await Promise.all([a, b, c]);
    expect(reload).toHaveBeenCalledTimes(2);
    await control.stop();
  });
});

describe('PauseState', () => {
  function state() {
    const emitted: Array<[string, unknown]> = [];
    const events = {
      emit: (event: string, payload: unknown) => emitted.push([event, payload]),
    } as unknown as MonqueEvents;
    const onResumed = vi.fn();
    return { pauses: new PauseState(events, onResumed), emitted, onResumed };
  }

  it('announces each change once, and asks to claim after a resume', () => {
    const { pauses, emitted, onResumed } = state();
    pauses.apply({ all: false, names: new Set(['a']) });
    pauses.apply({ all: false, names: new Set(['a']) });
    expect(pauses.isPaused('a')).toBe(true);
    expect(pauses.isPaused('b')).toBe(false);
    pauses.set(null, true);
    expect(pauses.isPaused('b')).toBe(true);
    pauses.set(null, false);
    pauses.set('a', false);
    pauses.set('b', true);
    expect(emitted).toEqual([
      ['queue:paused', { name: 'a' }],
      ['queue:paused', { name: null }],
      ['queue:resumed', { name: null }],
      ['queue:resumed', { name: 'a' }],
      ['queue:paused', { name: 'b' }],
    ]);
    expect(onResumed).toHaveBeenCalledTimes(2);
  });
});
