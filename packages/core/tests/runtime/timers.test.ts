import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConnectionError, RoundTripTimeoutError } from '../../src/errors.js';
import { WakeTimers } from '../../src/notify/wake-timers.js';
import { HealthMonitor } from '../../src/runtime/health-monitor.js';
import { RepeatingTask } from '../../src/runtime/repeating-task.js';
import { MAX_TIMER_DELAY } from '../../src/validation/numbers.js';

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('WakeTimers', () => {
  it('keeps the earliest time per name', () => {
    const fired: string[] = [];
    const timers = new WakeTimers((name) => fired.push(name));
    timers.arm('a', new Date(Date.now() + 1000));
    timers.arm('a', new Date(Date.now() + 2000));
    timers.arm('a', new Date(Date.now() + 500));
    vi.advanceTimersByTime(499);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual(['a']);
    vi.advanceTimersByTime(5000);
    expect(fired).toEqual(['a']);
  });

  it('fires past times at once and caps far ones at the timer limit', () => {
    const fired: string[] = [];
    const timers = new WakeTimers((name) => fired.push(name));
    timers.arm('past', new Date(Date.now() - 1000));
    timers.arm('far', new Date(Date.now() + 10 * MAX_TIMER_DELAY));
    vi.advanceTimersByTime(0);
    expect(fired).toEqual(['past']);
    vi.advanceTimersByTime(MAX_TIMER_DELAY);
    expect(fired).toEqual(['past', 'far']);
  });

  it('cancels everything on clear()', () => {
    const fired: string[] = [];
    const timers = new WakeTimers((name) => fired.push(name));
    timers.arm('a', new Date(Date.now() + 10));
    timers.clear();
    vi.advanceTimersByTime(100);
    expect(fired).toEqual([]);
  });
});

describe('HealthMonitor', () => {
  it('is healthy after a recent success, not after a failure or when stale', async () => {
    const health = new HealthMonitor(1000, 5000);
    expect(health.isHealthy()).toBe(false);
    await expect(health.track(Promise.resolve(7), 'count')).resolves.toBe(7);
    expect(health.isHealthy()).toBe(true);
    vi.advanceTimersByTime(1001);
    expect(health.isHealthy()).toBe(false);
    await health.track(Promise.resolve(), 'ping');
    const failure = new Error('down');
    await expect(health.track(Promise.reject(failure), 'fail')).rejects.toBe(failure);
    expect(health.isHealthy()).toBe(false);
  });

  it('fails a round trip that gets no answer within the timeout, ignoring its late outcome', async () => {
    const health = new HealthMonitor(10_000, 5000);
    await health.track(Promise.resolve(), 'ping');
    let answer: (value: string) => void = () => {};
    let refuse: (error: Error) => void = () => {};
    const hanging = health.track(
      new Promise<string>((resolve) => (answer = resolve)),
      'send the heartbeat',
    );
    const outcome = expect(hanging).rejects.toThrow(
      new RoundTripTimeoutError('send the heartbeat', 5000),
    );
    vi.advanceTimersByTime(4999);
    expect(health.isHealthy()).toBe(true);
    vi.advanceTimersByTime(1);
    await outcome;
    await expect(hanging).rejects.toBeInstanceOf(ConnectionError);
    await expect(hanging).rejects.toMatchObject({
      name: 'RoundTripTimeoutError',
      operation: 'send the heartbeat',
      timeout: 5000,
      message:
        'could not send the heartbeat: the database did not answer within 5000 ms ' +
        '(roundTripTimeout)',
    });
    expect(health.isHealthy()).toBe(false);
    answer('late');
    // A late failure of a timed-out round trip is not an unhandled rejection.
    const rejecting = health.track(
      new Promise<string>((_, reject) => (refuse = reject)),
      'look up',
    );
    vi.advanceTimersByTime(5000);
    await expect(rejecting).rejects.toBeInstanceOf(ConnectionError);
    refuse(new Error('late failure'));
    await expect(health.track(Promise.resolve('ok'), 'ping')).resolves.toBe('ok');
    expect(health.timeout).toBe(5000);
    expect(health.isHealthy()).toBe(true);
  });
});

describe('RepeatingTask', () => {
  it('runs every interval, one run at a time, and reports failures', async () => {
    const errors: unknown[] = [];
    let runs = 0;
    let finish: () => void = () => {};
    const task = new RepeatingTask({
      interval: 100,
      run: () => {
        runs += 1;
        if (runs === 2) return Promise.reject(new Error('second run fails'));
        return new Promise<void>((resolve) => {
          finish = resolve;
        });
      },
      onError: (error) => errors.push(error),
    });
    task.start();
    await vi.advanceTimersByTimeAsync(100);
    expect(runs).toBe(1);
    await vi.advanceTimersByTimeAsync(500);
    expect(runs).toBe(1);
    finish();
    await vi.advanceTimersByTimeAsync(100);
    expect(runs).toBe(2);
    expect(errors).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(100);
    expect(runs).toBe(3);
    task.stop();
    finish();
    await vi.advanceTimersByTimeAsync(1000);
    expect(runs).toBe(3);
  });

  it('at a fixed rate, starts runs every interval however long each takes', async () => {
    const starts: number[] = [];
    let finish: () => void = () => {};
    const task = new RepeatingTask({
      interval: 100,
      fixedRate: true,
      run: () => {
        starts.push(Date.now());
        return new Promise<void>((resolve) => {
          finish = resolve;
        });
      },
      onError: () => {},
    });
    const start = Date.now();
    task.start();
    await vi.advanceTimersByTimeAsync(100);
    // The first run takes 30 ms: the next still starts 100 ms after the first started.
    await vi.advanceTimersByTimeAsync(30);
    finish();
    await vi.advanceTimersByTimeAsync(70);
    // The second takes 150 ms, longer than the interval: the third follows at once.
    await vi.advanceTimersByTimeAsync(150);
    finish();
    await vi.advanceTimersByTimeAsync(0);
    expect(starts.map((at) => at - start)).toEqual([100, 200, 350]);
    const stopping = task.stop();
    finish();
    await stopping;
  });

  it('reschedules a waiting run when the interval changes', async () => {
    let runs = 0;
    const task = new RepeatingTask({
      interval: 1000,
      run: async () => {
        runs += 1;
      },
      onError: () => {},
    });
    task.start();
    task.setInterval(1000);
    expect(task.interval).toBe(1000);
    await vi.advanceTimersByTimeAsync(500);
    task.setInterval(50);
    expect(task.interval).toBe(50);
    await vi.advanceTimersByTimeAsync(50);
    expect(runs).toBe(1);
    task.stop();
    task.setInterval(10);
    await vi.advanceTimersByTimeAsync(100);
    expect(runs).toBe(1);
  });
});
