import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConnectionError, ListenerError } from '../../src/errors.js';
import type { JobErrorEvent, MonqueEventMap } from '../../src/events.js';
import { SafeEvents } from '../../src/runtime/safe-events.js';
import {
  type EmitWarning,
  UNHEARD_ERROR_WARNING,
  UnheardWarnings,
  WARNING_INTERVAL,
} from '../../src/runtime/unheard-warnings.js';
import { claimedJob, flush } from './fakes.js';

function setup() {
  const emitter = new EventEmitter<MonqueEventMap>();
  const warned: Parameters<EmitWarning>[] = [];
  const events = new SafeEvents(emitter, new UnheardWarnings((...args) => warned.push(args)));
  return { emitter, events, warned };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('SafeEvents', () => {
  it('calls every listener even when one throws, and reports the throw with the job', () => {
    const { emitter, events } = setup();
    const calls: string[] = [];
    const errors: JobErrorEvent[] = [];
    emitter.on('job:error', (event) => errors.push(event));
    emitter.on('job:start', () => {
      calls.push('first');
      throw new Error('first failed');
    });
    emitter.on('job:start', () => calls.push('second'));
    const job = claimedJob();
    events.emit('job:start', job);
    expect(calls).toEqual(['first', 'second']);
    expect(errors).toEqual([{ error: expect.any(ListenerError), job }]);
    expect(errors[0]?.error.message).toBe('a listener of "job:start" threw: first failed');
    expect(errors[0]?.error).toMatchObject({ event: 'job:start' });
  });

  it('reports a listener whose promise rejects', async () => {
    const { emitter, events } = setup();
    const errors: JobErrorEvent[] = [];
    emitter.on('job:error', (event) => errors.push(event));
    const job = claimedJob();
    emitter.on('job:complete', async () => {
      throw new Error('async failure');
    });
    events.emit('job:complete', { job, duration: 1 });
    await flush();
    expect(errors).toEqual([{ error: expect.any(ListenerError), job }]);
  });

  it('runs a once listener once, as emit does', () => {
    const { emitter, events } = setup();
    let calls = 0;
    emitter.once('stale:recovered', () => {
      calls += 1;
    });
    events.emit('stale:recovered', { count: 1 });
    events.emit('stale:recovered', { count: 1 });
    expect(calls).toBe(1);
    expect(emitter.listenerCount('stale:recovered')).toBe(0);
  });

  it('warns about a throwing listener when nobody listens to job:error', () => {
    const { emitter, events, warned } = setup();
    emitter.on('changestream:connected', () => {
      throw new Error('bug');
    });
    events.emit('changestream:connected');
    expect(warned).toEqual([
      [
        'a listener of "changestream:connected" threw: bug',
        expect.objectContaining({ type: 'ListenerError', code: UNHEARD_ERROR_WARNING }),
      ],
    ]);
  });

  it('warns about a throwing job:error listener instead of feeding it back', () => {
    const { emitter, events, warned } = setup();
    let calls = 0;
    emitter.on('job:error', () => {
      calls += 1;
      throw new Error('bug');
    });
    events.error(new ConnectionError('down', { cause: undefined }));
    expect(calls).toBe(1);
    expect(warned.map(([message]) => message)).toEqual(['a listener of "job:error" threw: bug']);
  });

  it('reports an error to job:error listeners, or as a warning when there are none', () => {
    const { emitter, events, warned } = setup();
    const error = new ConnectionError('down', { cause: undefined });
    events.error(error);
    expect(warned).toHaveLength(1);
    const heard: JobErrorEvent[] = [];
    emitter.on('job:error', (event) => heard.push(event));
    const job = claimedJob();
    events.error(error, job);
    events.error(error);
    expect(heard).toEqual([{ error, job }, { error }]);
    expect(warned).toHaveLength(1);
  });
});

describe('UnheardWarnings', () => {
  it('shows one warning per kind and minute, then counts the hidden ones', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
    const warned: Parameters<EmitWarning>[] = [];
    const warnings = new UnheardWarnings((...args) => warned.push(args));
    const network = Object.assign(new Error('reset'), { name: 'MongoNetworkError' });
    const down = (n: number) => new ConnectionError(`down ${n}`, { cause: network });
    warnings.warn(down(1));
    warnings.warn(down(2));
    warnings.warn(down(3));
    // Another kind is shown at once.
    warnings.warn(new ListenerError('job:start', new Error('bug')));
    warnings.warn(new ListenerError('job:fail', new Error('bug')));
    expect(warned.map(([message]) => message)).toEqual([
      'down 1',
      'a listener of "job:start" threw: bug',
      'a listener of "job:fail" threw: bug',
    ]);
    vi.setSystemTime(Date.now() + WARNING_INTERVAL - 1);
    warnings.warn(down(4));
    expect(warned).toHaveLength(3);
    vi.setSystemTime(Date.now() + 1);
    warnings.warn(down(5));
    expect(warned[3]?.[0]).toBe(
      'down 5 (3 more like it since 2026-01-01T00:00:00.000Z were not shown)',
    );
    vi.setSystemTime(Date.now() + WARNING_INTERVAL);
    warnings.warn(down(6));
    expect(warned[4]?.[0]).toBe('down 6');
  });

  it('uses process.emitWarning by default', () => {
    const emitWarning = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      new UnheardWarnings().warn(new ConnectionError('down', { cause: 'x' }));
      expect(emitWarning).toHaveBeenCalledWith(
        'down',
        expect.objectContaining({ type: 'ConnectionError', code: UNHEARD_ERROR_WARNING }),
      );
    } finally {
      emitWarning.mockRestore();
    }
  });
});
