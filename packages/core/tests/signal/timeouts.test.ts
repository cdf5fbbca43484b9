import { describe, expect, it } from 'vitest';
import { JobTimeoutError } from '../../src/errors.js';
import type { JobFailEvent } from '../../src/events.js';
import { waitForJob } from '../../src/testing/wait-for-job.js';
import type { JobContext } from '../../src/workers/worker-registry.js';
import { nextEvent, useSchedulerHarness } from '../setup/scheduler-harness.js';

/** Resolves with the signal's reason once it aborts; the handler then rejects with it. */
function untilAborted({ signal }: JobContext): Promise<never> {
  return new Promise((_, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason));
  });
}

describe('per-job timeouts', () => {
  const harness = useSchedulerHarness('timeouts');

  it("aborts the handler's signal with a JobTimeoutError and fails the attempt; the retry follows", async () => {
    const monque = harness.create({ collectionName: harness.collectionName(), maxRetries: 3 });
    const reasons: unknown[] = [];
    let attempts = 0;
    // The worker's own limit is long; the job's own (100 ms) wins.
    monque.worker(
      'fetch',
      async (_, context) => {
        attempts += 1;
        if (attempts > 1) return;
        context.signal.addEventListener('abort', () => reasons.push(context.signal.reason));
        await untilAborted(context);
      },
      { timeout: 60_000 },
    );
    const fails: JobFailEvent[] = [];
    monque.on('job:fail', (event) => fails.push(event));
    await monque.start();
    const { job } = await monque.enqueue('fetch', null, { timeout: 100 });
    expect(job.timeout).toBe(100);
    const done = await waitForJob(monque, job._id, 'completed');

    expect(reasons).toEqual([expect.any(JobTimeoutError)]);
    expect(reasons[0]).toMatchObject({ timeout: 100, jobId: job._id.toHexString() });
    expect(fails).toHaveLength(1);
    expect(fails[0]?.error).toBe(reasons[0]);
    expect(fails[0]?.willRetry).toBe(true);
    expect(fails[0]?.job).toMatchObject({ status: 'pending', failCount: 1 });
    expect(done.failCount).toBe(1);
    expect(attempts).toBe(2);
  });

  it("applies the worker's timeout to jobs without their own", async () => {
    const monque = harness.create({ collectionName: harness.collectionName(), maxRetries: 1 });
    monque.worker('slow', (_, context) => untilAborted(context), { timeout: 50 });
    const failed = nextEvent(monque, 'job:fail');
    await monque.start();
    const { job } = await monque.enqueue('slow', null);
    const [{ error, willRetry }] = await failed;
    expect(error).toBeInstanceOf(JobTimeoutError);
    expect((error as JobTimeoutError).timeout).toBe(50);
    expect(willRetry).toBe(false);
    expect((await monque.getJob(job._id))?.status).toBe('failed');
  });

  it('fails the attempt of a handler that ignores its signal, and holds its slot until it settles', async () => {
    const monque = harness.create({
      collectionName: harness.collectionName(),
      maxRetries: 1,
      abortGracePeriod: 50,
    });
    let release: () => void = () => {};
    const started: string[] = [];
    monque.worker(
      'stubborn',
      async (job) => {
        started.push(job._id.toHexString());
        if (started.length === 1) await new Promise<void>((resolve) => (release = resolve));
      },
      { concurrency: 1, timeout: 50 },
    );
    const failed = nextEvent(monque, 'job:fail');
    await monque.start();
    const { job: hung } = await monque.enqueue('stubborn', { hung: true });
    const [{ error, job: written }] = await failed;
    expect(error).toBeInstanceOf(JobTimeoutError);
    expect(written.status).toBe('failed');
    // The attempt is failed while the handler still runs...
    expect((await monque.getJob(hung._id))?.status).toBe('failed');
    // ...and its slot stays taken: the next job waits (concurrency 1).
    const { job: next } = await monque.enqueue('stubborn', { hung: false });
    const nextFailed = nextEvent(monque, 'job:fail');
    await monque.findJobs({ name: 'stubborn' });
    expect(monque.inFlightCount).toBe(1);
    expect(started).toEqual([hung._id.toHexString()]);
    expect((await monque.getJob(next._id))?.status).toBe('pending');
    release();
    await waitForJob(monque, next._id, 'completed');
    expect(started).toEqual([hung._id.toHexString(), next._id.toHexString()]);
    // What the hung handler returned late was discarded: the failure stands.
    expect((await monque.getJob(hung._id))?.status).toBe('failed');
    nextFailed.catch(() => {});
  });

  it('refuses a time limit that is not a positive number of milliseconds, before anything is written', async () => {
    const monque = harness.create({ collectionName: harness.collectionName() });
    for (const timeout of [0, -1, Number.NaN, 2 ** 31, '100', null]) {
      expect(() => monque.worker('a', () => {}, { timeout } as never)).toThrow(
        /Invalid options\.timeout: must be a finite number of milliseconds > 0/,
      );
      await expect(monque.enqueue('a', null, { timeout } as never)).rejects.toThrow(
        /Invalid options\.timeout/,
      );
      await expect(
        monque.enqueueMany([{ name: 'a', data: null, options: { timeout } as never }]),
      ).rejects.toThrow(/Invalid jobs\[0\]\.options\.timeout/);
      await expect(monque.schedule('* * * * *', 'a', null, { timeout } as never)).rejects.toThrow(
        /Invalid options\.timeout/,
      );
    }
    expect(await monque.collection.countDocuments({})).toBe(0);
    const [stored] = await monque.enqueueMany([{ name: 'a', data: null, options: { timeout: 5 } }]);
    expect(stored?.timeout).toBe(5);
  });

  it('stores a recurring job’s time limit, and updates it when schedule() is called again', async () => {
    const monque = harness.create({ collectionName: harness.collectionName() });
    const first = await monque.schedule('0 0 1 1 *', 'yearly', null, { timeout: 1000 });
    expect(first.timeout).toBe(1000);
    const changed = await monque.schedule('0 0 1 1 *', 'yearly', null, { timeout: 2000 });
    expect(changed.timeout).toBe(2000);
    const removed = await monque.schedule('0 0 1 1 *', 'yearly', null);
    expect(removed.timeout).toBeUndefined();
    expect(removed._id.equals(first._id)).toBe(true);
  });
});
