import { describe, expect, it } from 'vitest';
import { JobStatus } from '../../../src/jobs/job-status.js';
import {
  DEFAULT_RETENTION,
  expireAtFor,
  resolveRetention,
} from '../../../src/processing/retention.js';

const now = new Date('2026-03-01T10:00:00Z');
const oneOff = { repeatInterval: null };

describe('expireAtFor', () => {
  it('adds the retention of each final status to the time the job finished', () => {
    const retention = { completed: 1000, failed: 2000, cancelled: 0 };
    expect(expireAtFor(oneOff, JobStatus.Completed, retention, now)).toEqual(
      new Date(now.getTime() + 1000),
    );
    expect(expireAtFor(oneOff, JobStatus.Failed, retention, now)).toEqual(
      new Date(now.getTime() + 2000),
    );
    expect(expireAtFor(oneOff, JobStatus.Cancelled, retention, now)).toEqual(now);
  });

  it('gives no expiry to active jobs, recurring jobs and a retention of false', () => {
    expect(expireAtFor(oneOff, JobStatus.Pending, DEFAULT_RETENTION, now)).toBeUndefined();
    expect(expireAtFor(oneOff, JobStatus.Processing, DEFAULT_RETENTION, now)).toBeUndefined();
    expect(
      expireAtFor({ repeatInterval: '* * * * *' }, JobStatus.Failed, DEFAULT_RETENTION, now),
    ).toBeUndefined();
    expect(
      expireAtFor(oneOff, JobStatus.Completed, { ...DEFAULT_RETENTION, completed: false }, now),
    ).toBeUndefined();
  });
});

describe('resolveRetention', () => {
  it('replaces only the statuses given, on top of its base', () => {
    const base = { completed: 1, failed: 2, cancelled: 3 };
    expect(resolveRetention(undefined, 'x', base)).toBe(base);
    expect(resolveRetention({ failed: false }, 'x', base)).toEqual({
      completed: 1,
      failed: false,
      cancelled: 3,
    });
  });
});
