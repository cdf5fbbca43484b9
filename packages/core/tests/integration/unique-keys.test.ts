import { describe, expect, it } from 'vitest';
import { nextEvent, useSchedulerHarness } from '../setup/scheduler-harness.js';

describe('unique keys (SC-002)', () => {
  const harness = useSchedulerHarness('unique');

  it('1000 concurrent enqueues with one uniqueKey create exactly one job', async () => {
    const monque = harness.create({ collectionName: harness.collectionName() });
    await monque.initialize();
    const jobs = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => monque.enqueue('sync', { i }, { uniqueKey: 'k1' })),
    );
    expect(await monque.collection.countDocuments({})).toBe(1);
    const stored = await monque.collection.findOne({});
    const ids = new Set(jobs.map(({ job }) => job._id.toHexString()));
    expect([...ids]).toEqual([stored?._id.toHexString()]);
  }, 30_000); // 1000 round trips: a budget for a busy machine, not a measurement.

  it('scopes keys per job name', async () => {
    const monque = harness.create({ collectionName: harness.collectionName() });
    const { job: a } = await monque.enqueue('a', null, { uniqueKey: 'same' });
    const { job: b } = await monque.enqueue('b', null, { uniqueKey: 'same' });
    expect(a._id.equals(b._id)).toBe(false);
    expect(await monque.collection.countDocuments({})).toBe(2);
  });

  it('resolves a duplicate to the processing job, and lets completed and failed jobs not block', async () => {
    const monque = harness.create({ collectionName: harness.collectionName(), maxRetries: 1 });
    let release: () => void = () => {};
    const blocked = new Promise<void>((resolve) => {
      release = resolve;
    });
    monque.worker('ok', () => blocked);
    monque.worker('bad', () => {
      throw new Error('boom');
    });
    await monque.start();

    const started = nextEvent(monque, 'job:start');
    const { job: first } = await monque.enqueue('ok', { n: 1 }, { uniqueKey: 'k' });
    await started;
    const { job: duplicate } = await monque.enqueue('ok', { n: 2 }, { uniqueKey: 'k' });
    expect(duplicate._id.equals(first._id)).toBe(true);
    expect(duplicate.status).toBe('processing');
    expect(duplicate.data).toEqual({ n: 1 });

    const completed = nextEvent(monque, 'job:complete');
    release();
    await completed;
    const { job: afterCompletion } = await monque.enqueue('ok', { n: 3 }, { uniqueKey: 'k' });
    expect(afterCompletion._id.equals(first._id)).toBe(false);

    const failed = nextEvent(monque, 'job:fail');
    const { job: bad } = await monque.enqueue('bad', null, { uniqueKey: 'k' });
    const [{ willRetry }] = await failed;
    expect(willRetry).toBe(false);
    const { job: afterFailure } = await monque.enqueue('bad', null, { uniqueKey: 'k' });
    expect(afterFailure._id.equals(bad._id)).toBe(false);
  });
});
