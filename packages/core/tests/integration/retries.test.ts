import { describe, expect, it } from 'vitest';
import type { JobFailEvent } from '../../src/events.js';
import { useSchedulerHarness } from '../setup/scheduler-harness.js';

describe('retries with exponential backoff (SC-003)', () => {
  const harness = useSchedulerHarness('retries');

  it('retries 2^failCount × base after each failure and fails for good after maxRetries', async () => {
    const base = 40;
    const monque = harness.create({
      collectionName: harness.collectionName(),
      maxRetries: 4,
      baseRetryInterval: base,
      // Frequent polls, with or without the change stream: one falls inside each backoff, where
      // it must not claim the job early.
      pollInterval: 20,
      backupPollInterval: 20,
    });
    monque.worker('flaky', () => {
      throw new Error('always fails');
    });
    const checks: Promise<void>[] = [];
    const events: JobFailEvent[] = [];
    const claimedAt: number[] = [];
    monque.on('job:start', (job) => claimedAt.push(job.lockedAt?.getTime() ?? Number.NaN));
    const finished = new Promise<void>((resolve) => {
      monque.on('job:fail', (event) => {
        events.push(event);
        // The event carries the job as the failure write left it (fix: not the claimed job).
        expect(event.job.failCount).toBe(events.length);
        expect(event.job.failReason).toBe('always fails');
        expect(event.job.status).toBe(event.willRetry ? 'pending' : 'failed');
        expect(event.job.claimedBy).toBeNull();
        checks.push(
          monque.collection.findOne({ _id: event.job._id }).then((stored) => {
            expect(stored?.failCount).toBe(event.job.failCount);
            if (event.willRetry) {
              // Due 2^failCount × base after the failure (the time the failure was written).
              const expected = event.job.updatedAt.getTime() + 2 ** event.job.failCount * base;
              expect(event.job.nextRunAt.getTime()).toBe(expected);
              expect(stored?.nextRunAt).toEqual(event.job.nextRunAt);
              expect(stored?.status).toBe('pending');
            } else {
              expect(stored).toEqual(event.job);
            }
          }),
        );
        if (!event.willRetry) resolve();
      });
    });
    await monque.start();
    const { job } = await monque.enqueue('flaky', null);
    await finished;
    await Promise.all(checks);
    expect(events.map((event) => event.willRetry)).toEqual([true, true, true, false]);
    // Each retry was claimed once it was due, not before: the backoff was waited. (How closely
    // to its due time a retry starts, SC-003, is a duration this test does not measure.)
    expect(claimedAt).toHaveLength(4);
    for (const [attempt, failure] of events.slice(0, -1).entries()) {
      expect(claimedAt[attempt + 1]).toBeGreaterThanOrEqual(failure.job.nextRunAt.getTime());
    }
    const stored = await monque.collection.findOne({ _id: job._id });
    expect(stored).toMatchObject({ status: 'failed', failCount: 4, failReason: 'always fails' });
  });
});
