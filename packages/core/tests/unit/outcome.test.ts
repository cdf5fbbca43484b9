import { describe, expect, it } from 'vitest';
import {
  boundReason,
  failureSet,
  finalFailureSet,
  MAX_FAIL_REASON_LENGTH,
  successSet,
} from '../../src/processing/outcome.js';
import { parseCron } from '../../src/scheduling/cron.js';
import { createJobDocument } from '../../src/testing/create-job-document.js';

const now = new Date('2026-03-01T10:00:30Z');
const policy = { maxRetries: 3, baseRetryInterval: 1000, maxBackoffDelay: 60_000 };

describe('boundReason', () => {
  it('keeps a short reason and cuts a long one to the limit, marked', () => {
    expect(boundReason('short')).toBe('short');
    const cut = boundReason('x'.repeat(5000));
    expect(cut).toHaveLength(MAX_FAIL_REASON_LENGTH);
    expect(cut.endsWith('…')).toBe(true);
    expect(boundReason('abcdef', 4)).toBe('abc…');
  });

  it('never cuts inside a surrogate pair', () => {
    // 'ab😀c' is a, b, then the two halves of 😀, then c.
    expect(boundReason('ab😀cdef', 4)).toBe('ab…');
    expect(boundReason('ab😀cdef', 5)).toBe('ab😀…');
  });
});

describe('failureSet', () => {
  it('retries with backoff below maxRetries and starts the takeover count again', () => {
    const job = createJobDocument({ failCount: 1, takeoverCount: 2 });
    const { set, willRetry } = failureSet(job, new Error('boom'), policy, now);
    expect(willRetry).toBe(true);
    expect(set).toMatchObject({
      status: 'pending',
      failCount: 2,
      failReason: 'boom',
      takeoverCount: 0,
      nextRunAt: new Date(now.getTime() + 4000),
    });
  });

  it('fails a one-off job for good at maxRetries, with a bounded reason', () => {
    const job = createJobDocument({ failCount: 2 });
    const { set, willRetry } = failureSet(job, new Error('y'.repeat(9000)), policy, now);
    expect(willRetry).toBe(false);
    expect(set).toMatchObject({ status: 'failed', failCount: 3, takeoverCount: 0 });
    expect(set.failReason).toHaveLength(MAX_FAIL_REASON_LENGTH);
  });

  it('keeps a recurring job on its schedule at maxRetries, recording the failure', () => {
    const job = createJobDocument({ failCount: 2, repeatInterval: '0 * * * *' });
    const { set, willRetry } = failureSet(job, new Error('down'), policy, now);
    expect(willRetry).toBe(false);
    expect(set).toMatchObject({
      status: 'pending',
      failCount: 0,
      failReason: 'down',
      takeoverCount: 0,
      nextRunAt: new Date('2026-03-01T11:00:00Z'),
      claimedBy: null,
    });
  });
});

describe('finalFailureSet', () => {
  it('reads a recurring job’s cron in its time zone', () => {
    const job = createJobDocument({ repeatInterval: '0 9 * * *', timezone: 'Europe/Berlin' });
    expect(finalFailureSet(job, 'x', 1, now).nextRunAt).toEqual(
      parseCron('0 9 * * *', 'Europe/Berlin').next(now),
    );
  });

  it('fails a recurring job whose cron cannot be read', () => {
    const job = createJobDocument({ repeatInterval: 'not a cron', takeoverCount: 4 });
    const set = finalFailureSet(job, 'taken over', 1, now);
    expect(set).toMatchObject({ status: 'failed', failCount: 1, failReason: 'taken over' });
    expect(set).not.toHaveProperty('takeoverCount');
  });

  it('cuts the reason to the given length', () => {
    expect(
      finalFailureSet(createJobDocument(), 'z'.repeat(600), 1, now, 512).failReason,
    ).toHaveLength(512);
  });
});

describe('successSet', () => {
  it('starts the takeover count again', () => {
    expect(successSet(createJobDocument({ takeoverCount: 1 }), now)).toMatchObject({
      status: 'completed',
      takeoverCount: 0,
    });
  });
});
