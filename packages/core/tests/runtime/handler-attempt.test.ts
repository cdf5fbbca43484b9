import { ObjectId } from 'mongodb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { JobCancelledError, JobTimeoutError } from '../../src/errors.js';
import { startAttempt } from '../../src/processing/handler-attempt.js';
import type { JobHandler } from '../../src/workers/worker-registry.js';
import { claimedJob, deferred, flush } from './fakes.js';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Starts an attempt and records when its outcome is decided and when its handler settles. */
function attempt(handler: JobHandler, timeout: number | undefined, gracePeriod = 1000) {
  const controller = new AbortController();
  const job = claimedJob({ _id: new ObjectId() });
  const started = startAttempt(handler, job, controller, {
    timeout,
    gracePeriod,
    progress: () => {},
  });
  const log: string[] = [];
  void started.end.then((end) => log.push(`end ${JSON.stringify({ ...end, reason: undefined })}`));
  void started.settled.then(() => log.push('settled'));
  return { controller, job, started, log };
}

describe('startAttempt', () => {
  it('ends with the handler: its success or its error, and clears its timer', async () => {
    const ok = attempt(async () => {}, 5000);
    await expect(ok.started.end).resolves.toEqual({ aborted: false, error: undefined });
    expect(vi.getTimerCount()).toBe(0);
    const thrown = attempt(() => {
      throw new TypeError('sync');
    }, undefined);
    await expect(thrown.started.end).resolves.toEqual({
      aborted: false,
      error: new TypeError('sync'),
    });
    const rejected = attempt(() => Promise.reject('a string'), undefined);
    const end = await rejected.started.end;
    expect(end.aborted === false && end.error?.message).toBe(
      'the handler threw a non-Error value: string "a string"',
    );
  });

  it('aborts the signal with a JobTimeoutError when the time limit elapses, then ends when the handler settles', async () => {
    let seen: unknown;
    const { started, job, log } = attempt(
      (_, { signal }) =>
        new Promise<void>((_, reject) => {
          signal.addEventListener('abort', () => {
            seen = signal.reason;
            // Honours the signal a little later: within the grace period.
            setTimeout(() => reject(signal.reason), 300);
          });
        }),
      500,
    );
    await vi.advanceTimersByTimeAsync(499);
    expect(seen).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(seen).toBeInstanceOf(JobTimeoutError);
    expect(seen).toMatchObject({ timeout: 500, jobId: job._id.toHexString() });
    await vi.advanceTimersByTimeAsync(300);
    const end = await started.end;
    expect(end).toEqual({ aborted: true, reason: seen, settled: true });
    expect(log).toEqual(['settled', expect.stringContaining('"aborted":true')]);
  });

  it('ends a handler that ignores its signal after the grace period; it settles later', async () => {
    const hang = deferred<void>();
    const { started, log } = attempt(() => hang.promise, 100, 250);
    await vi.advanceTimersByTimeAsync(100 + 249);
    expect(log).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    const end = await started.end;
    expect(end).toMatchObject({ aborted: true, settled: false });
    expect(end.aborted && end.reason).toBeInstanceOf(JobTimeoutError);
    expect(log).toEqual([expect.stringContaining('"settled":false')]);
    hang.resolve();
    await flush();
    expect(log.at(-1)).toBe('settled');
  });

  it('lets whoever aborts the signal decide: a cancel wins even if the handler then succeeds', async () => {
    const work = deferred<void>();
    const { started, controller, job } = attempt(() => work.promise, undefined);
    const reason = new JobCancelledError(job._id);
    controller.abort(reason);
    work.resolve();
    await expect(started.end).resolves.toEqual({ aborted: true, reason, settled: true });
  });

  it('ignores an abort after the handler settled (its outcome is on its way)', async () => {
    const { started, controller } = attempt(async () => {}, undefined);
    await expect(started.end).resolves.toEqual({ aborted: false, error: undefined });
    controller.abort(new Error('late'));
    expect(vi.getTimerCount()).toBe(0);
  });
});
