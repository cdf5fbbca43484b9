import { BSON } from 'mongodb';
import { describe, expect, it } from 'vitest';
import type { JobAttempt } from '../../../src/jobs/job-history.js';
import { MAX_ATTEMPT_HISTORY, MAX_ATTEMPT_REASON_LENGTH } from '../../../src/jobs/job-history.js';
import { MAX_PROGRESS_SIZE } from '../../../src/jobs/job-progress.js';
import { recordAttempt } from '../../../src/processing/attempt-record.js';
import {
  failureSet,
  finalFailureSet,
  MAX_FAIL_REASON_LENGTH,
  successSet,
} from '../../../src/processing/outcome.js';
import { DEFAULT_RETENTION } from '../../../src/processing/retention.js';
import { RUN_HEADROOM } from '../../../src/scheduling/new-job.js';
import { createJobDocument } from '../../../src/testing/create-job-document.js';

const claimedAt = new Date('2026-03-01T10:00:00Z');
const now = new Date('2026-03-01T10:00:30Z');
const DAY = 24 * 60 * 60 * 1000;
const policy = { maxRetries: 3, baseRetryInterval: 1000, maxBackoffDelay: 60_000 };

function claimed(overrides: Parameters<typeof createJobDocument>[0] = {}) {
  return createJobDocument({
    status: 'processing',
    lockedAt: claimedAt,
    claimedBy: 'me',
    ...overrides,
  });
}

function attempts(count: number): JobAttempt[] {
  return Array.from({ length: count }, (_, index) => ({
    attempt: index + 1,
    outcome: 'failed',
    claimedAt,
    endedAt: claimedAt,
    reason: `failure ${index + 1}`,
  }));
}

describe('recordAttempt', () => {
  it('records a completed run: history entry, result, expireAt after the completed retention', () => {
    const job = claimed();
    const set = recordAttempt(job, successSet(job, now), {
      outcome: 'completed',
      retention: DEFAULT_RETENTION,
      result: { value: { rows: 3 } },
    });
    expect(set).toMatchObject({
      status: 'completed',
      result: { rows: 3 },
      expireAt: new Date(now.getTime() + 7 * DAY),
      history: [{ attempt: 1, outcome: 'completed', claimedAt, endedAt: now, reason: null }],
    });
    expect(set).not.toHaveProperty('lastFailure');
    expect(set).not.toHaveProperty('progress');
  });

  it('records a failed run that is retried: lastFailure with the whole reason, no expireAt', () => {
    const job = claimed({ history: attempts(2) });
    const long = 'x'.repeat(1000);
    const { set } = failureSet(job, new Error(long), policy, now);
    const recorded = recordAttempt(job, set, {
      outcome: 'failed',
      retention: DEFAULT_RETENTION,
      progress: 40,
    });
    expect(recorded.status).toBe('pending');
    expect(recorded.lastFailure).toEqual({ reason: long, at: now, attempt: 3 });
    expect(recorded.history?.at(-1)).toEqual({
      attempt: 3,
      outcome: 'failed',
      claimedAt,
      endedAt: now,
      reason: `${'x'.repeat(MAX_ATTEMPT_REASON_LENGTH - 1)}…`,
    });
    expect(recorded.progress).toBe(40);
    expect(recorded).not.toHaveProperty('expireAt');
    expect(recorded).not.toHaveProperty('result');
  });

  it('sets expireAt on a final failure from the failed retention, and none when it is false', () => {
    const job = claimed();
    const set = finalFailureSet(job, 'boom', 3, now);
    expect(
      recordAttempt(job, set, { outcome: 'failed', retention: DEFAULT_RETENTION }).expireAt,
    ).toEqual(new Date(now.getTime() + 30 * DAY));
    expect(
      recordAttempt(job, set, {
        outcome: 'failed',
        retention: { ...DEFAULT_RETENTION, failed: false },
      }),
    ).not.toHaveProperty('expireAt');
  });

  it('never sets expireAt on a recurring job, whatever its status', () => {
    const job = claimed({ repeatInterval: '0 * * * *' });
    const abandoned = { status: 'failed' as const, updatedAt: now };
    for (const set of [successSet(job, now), abandoned]) {
      expect(
        recordAttempt(job, set, { outcome: 'completed', retention: DEFAULT_RETENTION }),
      ).not.toHaveProperty('expireAt');
    }
  });

  it(`keeps only the last ${MAX_ATTEMPT_HISTORY} runs, numbering on from the last one kept`, () => {
    const job = claimed({ history: attempts(MAX_ATTEMPT_HISTORY) });
    const set = recordAttempt(job, successSet(job, now), {
      outcome: 'completed',
      retention: DEFAULT_RETENTION,
    });
    expect(set.history).toHaveLength(MAX_ATTEMPT_HISTORY);
    expect(set.history?.map(({ attempt }) => attempt)).toEqual(
      Array.from({ length: MAX_ATTEMPT_HISTORY }, (_, index) => index + 2),
    );
    // The claimed job's own list is not changed (the job as written is a new object).
    expect(job.history).toHaveLength(MAX_ATTEMPT_HISTORY);
  });

  it('starts again from a history that another program overwrote with something else', () => {
    for (const history of ['nonsense', [{ attempt: 'seven' }]]) {
      const job = claimed({ history: history as unknown as JobAttempt[] });
      const set = recordAttempt(job, successSet(job, now), {
        outcome: 'completed',
        retention: DEFAULT_RETENTION,
      });
      expect(set.history?.at(-1)?.attempt).toBe(1);
    }
  });

  it('uses the outcome time as the claim time of a job without lockedAt', () => {
    const job = createJobDocument({ lockedAt: null });
    const set = recordAttempt(job, successSet(job, now), {
      outcome: 'completed',
      retention: DEFAULT_RETENTION,
    });
    expect(set.history?.[0]?.claimedAt).toEqual(now);
  });

  it('fits, at its largest, in the room every new job keeps free (RUN_HEADROOM)', () => {
    // Three bytes per character: the largest UTF-8 size a string of this length can have.
    const wide = (length: number) => '€'.repeat(length);
    const job = claimed({
      claimedBy: wide(255),
      history: Array.from({ length: MAX_ATTEMPT_HISTORY }, (_, index) => ({
        attempt: 2 ** 31 + index,
        outcome: 'cancelled',
        claimedAt,
        endedAt: claimedAt,
        reason: wide(MAX_ATTEMPT_REASON_LENGTH),
      })),
    });
    const set = finalFailureSet(job, wide(MAX_FAIL_REASON_LENGTH), 2 ** 31, now);
    const progress = { note: 'p'.repeat(MAX_PROGRESS_SIZE - 32) };
    const recorded = recordAttempt(job, set, {
      outcome: 'failed',
      retention: DEFAULT_RETENTION,
      progress,
    });
    expect(BSON.calculateObjectSize({ progress })).toBeLessThanOrEqual(MAX_PROGRESS_SIZE);
    const added = {
      ...recorded,
      claimedBy: job.claimedBy,
      lockedAt: now,
      lastHeartbeat: now,
      heartbeatInterval: 2 ** 31,
      takeoverCount: 2 ** 31,
    };
    expect(BSON.calculateObjectSize(added)).toBeLessThan(RUN_HEADROOM);
  });
});
