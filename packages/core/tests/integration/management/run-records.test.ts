import { describe, expect, it } from 'vitest';
import { JobResultError } from '../../../src/errors.js';
import type { JobFailEvent } from '../../../src/events.js';
import { waitForJob } from '../../../src/testing/wait-for-job.js';
import { waitUntil } from '../../../src/testing/wait-until.js';
import { deferred } from '../../runtime/fakes.js';
import { nextEvent, useSchedulerHarness } from '../../setup/scheduler-harness.js';

const DAY = 24 * 60 * 60 * 1000;

describe('what a run leaves on its job', () => {
  const harness = useSchedulerHarness('mgmt-records');
  const create = (options: Parameters<typeof harness.create>[0] = {}) =>
    harness.create({ collectionName: harness.collectionName(), ...options });

  it('stores the result, records the run and sets expireAt; getJob shows them', async () => {
    const monque = create();
    monque.worker('report', async () => ({ rows: 12, file: 'r.csv' }));
    await monque.start();
    const completed = nextEvent(monque, 'job:complete');
    const { job } = await monque.enqueue('report', null);
    const [{ job: announced }] = await completed;
    const stored = await monque.getJob(job._id);
    expect(stored).toEqual(announced);
    expect(stored).toMatchObject({
      status: 'completed',
      result: { rows: 12, file: 'r.csv' },
      history: [{ attempt: 1, outcome: 'completed', reason: null }],
    });
    const { updatedAt, expireAt } = stored ?? {};
    expect(Number(expireAt) - Number(updatedAt)).toBe(7 * DAY);
  });

  it('shows progress while the job runs, and the last value once it has ended', async () => {
    const monque = create();
    const release = deferred<void>();
    monque.worker('import', async (_job, { progress }) => {
      progress({ done: 1, total: 4 });
      await release.promise;
      progress(75);
      progress(100);
    });
    const reported: unknown[] = [];
    monque.on('job:progress', ({ progress }) => reported.push(progress));
    await monque.start();
    const { job } = await monque.enqueue('import', null);
    // The first report is written at once; read it back while the handler waits.
    const running = await waitUntil(
      monque,
      async () => {
        const current = await monque.getJob(job._id);
        return current?.progress === undefined
          ? { state: 'waiting' as const }
          : { state: 'done' as const, value: current };
      },
      () => new Error('no progress was written'),
      {},
    );
    expect(running).toMatchObject({ status: 'processing', progress: { done: 1, total: 4 } });
    release.resolve();
    const done = await waitForJob(monque, job._id, 'completed');
    expect(done.progress).toBe(100);
    expect(reported).toEqual([{ done: 1, total: 4 }, 75, 100]);
  });

  it('fails the run for good when the result is larger than maxResultSize', async () => {
    const monque = create({ maxResultSize: 1024, maxRetries: 5 });
    monque.worker('export', async () => ({ rows: 'x'.repeat(2000) }));
    await monque.start();
    const failing = nextEvent(monque, 'job:fail');
    const { job } = await monque.enqueue('export', null);
    const [{ error, willRetry }] = (await failing) as [JobFailEvent];
    expect(error).toBeInstanceOf(JobResultError);
    expect(willRetry).toBe(false);
    const stored = await monque.getJob(job._id);
    expect(stored).toMatchObject({ status: 'failed', failCount: 1, failReason: error.message });
    expect(stored?.failReason).toMatch(/2\d{3} bytes once BSON-encoded, more than 1024/);
    expect(stored).not.toHaveProperty('result');
    expect(Number(stored?.expireAt) - Number(stored?.updatedAt)).toBe(30 * DAY);
  });

  it('keeps the history through a manual retry, and a worker can keep its jobs for ever', async () => {
    const monque = create({ maxRetries: 1 });
    let calls = 0;
    monque.worker(
      'flaky',
      async () => {
        calls += 1;
        if (calls === 1) throw new Error('first run fails');
        return 'second run done';
      },
      { retention: { completed: false } },
    );
    await monque.start();
    const { job } = await monque.enqueue('flaky', null);
    const failed = await waitForJob(monque, job._id, 'failed');
    expect(failed.lastFailure).toMatchObject({ reason: 'first run fails', attempt: 1 });
    expect(await monque.retryJob(job._id)).toMatchObject({ outcome: 'done' });
    const done = await waitForJob(monque, job._id, 'completed');
    expect(done).toMatchObject({
      failCount: 0,
      result: 'second run done',
      lastFailure: { reason: 'first run fails', attempt: 1 },
      history: [
        { attempt: 1, outcome: 'failed', reason: 'first run fails' },
        { attempt: 2, outcome: 'completed', reason: null },
      ],
    });
    expect(done).not.toHaveProperty('expireAt');
  });
});
