import { describe, expect, it } from 'vitest';
import { useSchedulerHarness } from '../../setup/scheduler-harness.js';

describe('priorities', () => {
  const harness = useSchedulerHarness('flow-priority');

  it('runs due jobs highest priority first, then oldest due first (one instance)', async () => {
    const collectionName = harness.collectionName();
    const producer = harness.create({ collectionName });
    const base = Date.now() - 60_000;
    // Enqueued oldest first, lowest priority first: priority must win over age.
    const specs: Array<[string, number]> = [
      ['p0-a', 0],
      ['p-1', -1],
      ['p5-a', 5],
      ['p0-b', 0],
      ['p5-b', 5],
      ['p9', 9],
    ];
    for (const [index, [label, priority]] of specs.entries()) {
      await producer.enqueue('job', { label }, { priority, runAt: new Date(base + index) });
    }
    const worker = harness.create({ collectionName });
    const started: string[] = [];
    worker.worker(
      'job',
      (job) => {
        started.push((job.data as { label: string }).label);
      },
      { concurrency: 1 },
    );
    const done = new Promise<void>((resolve) => {
      worker.on('job:complete', () => {
        if (started.length === specs.length) resolve();
      });
    });
    await worker.start();
    await done;
    expect(started).toEqual(['p9', 'p5-a', 'p5-b', 'p0-a', 'p0-b', 'p-1']);
  });

  it('never starts a job while one of higher priority is pending (three instances)', async () => {
    const collectionName = harness.collectionName();
    const producer = harness.create({ collectionName });
    const priorities = [0, 10, 20];
    await producer.enqueueMany(
      Array.from({ length: 60 }, (_, i) => ({
        name: 'job' as const,
        data: { i },
        options: { priority: priorities[i % 3] },
      })),
    );
    const violations: string[] = [];
    let completed = 0;
    const allDone = new Promise<void>((resolve) => {
      for (let n = 0; n < 3; n += 1) {
        const instance = harness.create({ collectionName });
        instance.worker(
          'job',
          async (job) => {
            // Every job was added before the start and none fails: a job of higher priority
            // still pending now was pending when this one was claimed.
            const higher = await producer.collection.countDocuments({
              status: 'pending',
              priority: { $gt: job.priority },
            });
            if (higher > 0) violations.push(`${job.priority}: ${higher} higher pending`);
          },
          { concurrency: 2 },
        );
        instance.on('job:complete', () => {
          completed += 1;
          if (completed === 60) resolve();
        });
        void instance.start();
      }
    });
    await allDone;
    expect(violations).toEqual([]);
  });

  it("gives jobs added without a priority the worker's default where that worker is registered", async () => {
    const collectionName = harness.collectionName();
    const withWorker = harness.create({ collectionName });
    withWorker.worker('job', () => {}, { priority: 4 });
    const producer = harness.create({ collectionName });
    const [defaulted, own, elsewhere] = [
      await withWorker.enqueue('job', null),
      await withWorker.enqueue('job', null, { priority: -2 }),
      await producer.enqueue('job', null),
    ];
    const [many] = await withWorker.enqueueMany([{ name: 'job', data: null }]);
    const scheduled = await withWorker.schedule('0 0 1 1 *', 'job', null);
    expect([
      defaulted.job.priority,
      own.job.priority,
      elsewhere.job.priority,
      many?.priority,
      scheduled.priority,
    ]).toEqual([4, -2, 0, 4, 4]);
    // A changed priority is stored by the next schedule() call.
    const rescheduled = await producer.schedule('0 0 1 1 *', 'job', null, { priority: 1 });
    expect(rescheduled.priority).toBe(1);
  });
});
