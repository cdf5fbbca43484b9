import { afterEach, describe, expect, it, vi } from 'vitest';
import { Monque } from '../../src/monque.js';
import { fakeDb } from '../runtime/fake-db.js';

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** Errors that need a human are never silent: without a listener they become process warnings. */
describe('an error nobody listens to', () => {
  it('becomes a process warning, at most one of a kind per minute', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const emitWarning = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:27017'), {
      name: 'MongoNetworkError',
    });
    const { db, calls, state } = fakeDb();
    const monque = new Monque(db, { heartbeatInterval: 5, lockTimeout: 10 });
    await monque.start();
    state.failHeartbeat = cause;
    const beats = (): number => calls.filter((call) => call === 'updateMany').length;
    const before = beats();
    // Many failed heartbeats (an outage): one warning.
    await vi.waitFor(() => expect(beats()).toBeGreaterThan(before + 5));
    expect(emitWarning).toHaveBeenCalledTimes(1);
    const [message, options] = emitWarning.mock.calls[0] as [string, { type: string }];
    expect(options.type).toBe('ConnectionError');
    expect(message).toMatch(/heartbeat.*connect ECONNREFUSED 127\.0\.0\.1:27017/);

    // A minute later the next one is shown, with how many were not.
    const beforeMinute = beats();
    vi.setSystemTime(Date.now() + 60_000);
    await vi.waitFor(() => expect(beats()).toBeGreaterThan(beforeMinute + 1));
    expect(emitWarning).toHaveBeenCalledTimes(2);
    expect(emitWarning.mock.calls[1]?.[0]).toMatch(/\(\d+ more like it since .* were not shown\)$/);
    await monque.stop();
  });

  it('is not a process warning when a job:error listener hears it', async () => {
    const emitWarning = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const { db, state } = fakeDb();
    const monque = new Monque(db, { heartbeatInterval: 5, lockTimeout: 10 });
    const heard: Error[] = [];
    monque.on('job:error', ({ error }) => heard.push(error));
    await monque.start();
    state.failHeartbeat = new Error('down');
    await vi.waitFor(() => expect(heard.length).toBeGreaterThan(2));
    await monque.stop();
    expect(emitWarning).not.toHaveBeenCalled();
  });
});
