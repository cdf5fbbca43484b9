import { describe, expect, it } from 'vitest';
import type { JobFailEvent } from '../../src/events.js';
import { useSchedulerHarness } from '../setup/scheduler-harness.js';

describe('retries with exponential backoff (SC-003)', () => {
  const harness = useSchedulerHarness('retries');

  it('retries at now + 2^failCount × base (±50 ms) and fails for good after maxRetries', async () => {
    const base = 40;
    const monque = harness.create({
      collectionName: harness.collectionName(),
      maxRetries: 4,
      baseRetryInterval: base,
      pollInterval: 20,
    });
    monque.worker('flaky', () => {
      throw new Error('always fails');
    });
    const checks: Promise<void>[] = [];
    const events: JobFailEvent[] = [];
    const finished = new Promise<void>((resolve) => {
      monque.on('job:fail', (event) => {
        const observedAt = Date.now();
        events.push(event);
        checks.push(
          monque.collection.findOne({ _id: event.job._id }).then((stored) => {
            expect(stored?.failCount).toBe(event.job.failCount + 1);
            if (event.willRetry) {
              const expected = observedAt + 2 ** (stored?.failCount ?? 0) * base;
              expect(Math.abs((stored?.nextRunAt.getTime() ?? 0) - expected)).toBeLessThanOrEqual(
                50,
              );
              expect(stored?.status).toBe('pending');
            } else {
              expect(stored?.status).toBe('failed');
            }
          }),
        );
        if (!event.willRetry) resolve();
      });
    });
    await monque.start();
    const job = await monque.enqueue('flaky', null);
    await finished;
    await Promise.all(checks);
    expect(events.map((event) => event.willRetry)).toEqual([true, true, true, false]);
    const stored = await monque.collection.findOne({ _id: job._id });
    expect(stored).toMatchObject({ status: 'failed', failCount: 4, failReason: 'always fails' });
  });
});
