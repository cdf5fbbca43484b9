import { EventEmitter } from 'node:events';
import type { Collection, Document } from 'mongodb';
import { describe, expect, it, vi } from 'vitest';
import { JobResultError } from '../../src/errors.js';
import type {
  JobCompleteEvent,
  JobErrorEvent,
  JobFailEvent,
  JobProgressEvent,
  MonqueEventMap,
} from '../../src/events.js';
import type { JobDocument } from '../../src/jobs/job.js';
import { JobRunner } from '../../src/processing/job-runner.js';
import { DEFAULT_RETENTION, type Retention } from '../../src/processing/retention.js';
import { SafeEvents } from '../../src/runtime/safe-events.js';
import { claimedJob, deferred, fakeOutcomeCollection, runnerOptions } from './fakes.js';

const DAY = 24 * 60 * 60 * 1000;

/** How long after its outcome a written job expires, in milliseconds (NaN when it does not). */
const keptFor = (set: Document | undefined): number =>
  Number(set?.expireAt) - Number(set?.updatedAt);

/** A runner over a fake collection that records outcome batches and progress writes. */
function setup(retentions: Record<string, Retention> = {}) {
  const fake = fakeOutcomeCollection();
  const progressWrites: Document[] = [];
  const collection = Object.assign(fake.collection, {
    updateOne: async (_filter: Document, update: Document) => {
      progressWrites.push(update.$set);
      return { matchedCount: 1 };
    },
  }) as Collection<JobDocument>;
  const events = new EventEmitter<MonqueEventMap>();
  const completed: JobCompleteEvent[] = [];
  const failed: JobFailEvent[] = [];
  const errors: JobErrorEvent[] = [];
  const progress: JobProgressEvent[] = [];
  events.on('job:complete', (event) => completed.push(event));
  events.on('job:fail', (event) => failed.push(event));
  events.on('job:error', (event) => errors.push(event));
  events.on('job:progress', (event) => progress.push(event));
  const settled: string[] = [];
  const runner = new JobRunner(
    runnerOptions(collection, new SafeEvents(events), (name) => settled.push(name), {
      retentionFor: (name) => retentions[name] ?? DEFAULT_RETENTION,
      maxResultSize: 256,
      progressInterval: 60_000,
    }),
  );
  return { runner, completed, failed, errors, progress, progressWrites, settled, ...fake };
}

describe('JobRunner: what a run leaves on its job', () => {
  it('stores the handler result, records the run and sets expireAt from the retention', async () => {
    const { runner, completed, writes } = setup();
    const job = claimedJob();
    runner.run(job, async () => ({ rows: 3 }));
    await vi.waitFor(() => expect(completed).toHaveLength(1));
    const set = writes()[0]?.set;
    expect(set).toMatchObject({
      status: 'completed',
      result: { rows: 3 },
      history: [{ attempt: 1, outcome: 'completed', claimedAt: job.lockedAt, reason: null }],
    });
    expect(keptFor(set)).toBe(7 * DAY);
    // job:complete carries the job as written, result included.
    expect(completed[0]?.job.result).toEqual({ rows: 3 });
    expect(completed[0]?.job.history).toEqual(set?.history);
  });

  it('stores null for a handler that returns nothing', async () => {
    const { runner, completed } = setup();
    runner.run(claimedJob(), () => {});
    await vi.waitFor(() => expect(completed).toHaveLength(1));
    expect(completed[0]?.job.result).toBeNull();
  });

  it('takes the retention of the job name (a worker of its own) for expireAt', async () => {
    const { runner, completed, failed, writes } = setup({
      quick: { completed: 1000, failed: false, cancelled: false },
    });
    runner.run(claimedJob({ name: 'quick' }), () => {});
    runner.run(claimedJob({ name: 'quick', failCount: 2 }), () => {
      throw new Error('third failure: final');
    });
    await vi.waitFor(() => expect(completed.length + failed.length).toBe(2));
    const [done, fail] = ['completed', 'failed'].map((status) =>
      writes().find(({ set }) => set.status === status),
    );
    expect(keptFor(done?.set)).toBe(1000);
    expect(fail?.set).not.toHaveProperty('expireAt');
    expect(fail?.set.lastFailure).toMatchObject({ reason: 'third failure: final', attempt: 1 });
  });

  it('fails the run for good when the result is too large, naming the sizes', async () => {
    const { runner, failed, completed, writes } = setup();
    const job = claimedJob();
    runner.run(job, async () => 'x'.repeat(300));
    await vi.waitFor(() => expect(failed).toHaveLength(1));
    expect(completed).toEqual([]);
    const { error, willRetry, job: written } = failed[0] as JobFailEvent;
    // Not retried although failCount (1) is below maxRetries (3).
    expect(willRetry).toBe(false);
    expect(error).toBeInstanceOf(JobResultError);
    expect(error).toMatchObject({ size: 318, limit: 256, jobId: job._id.toHexString() });
    expect(written).toMatchObject({ status: 'failed', failCount: 1, failReason: error.message });
    expect(writes()[0]?.set).not.toHaveProperty('result');
    expect(written.history?.[0]).toMatchObject({ outcome: 'failed' });
  });

  it('refuses a result BSON would not store as it is', async () => {
    const { runner, failed } = setup();
    runner.run(claimedJob(), () => new Map([['a', 1]]));
    await vi.waitFor(() => expect(failed).toHaveLength(1));
    expect(failed[0]?.error).toBeInstanceOf(JobResultError);
    expect(failed[0]?.error.message).toMatch(/result must be plain data/);
  });

  it('emits each progress report, writes the first, and lands the last with the outcome', async () => {
    const { runner, completed, progress, progressWrites, writes } = setup();
    runner.run(claimedJob(), async (_job, context) => {
      context.progress(10);
      context.progress({ done: 2, total: 3 });
      context.progress(100);
    });
    await vi.waitFor(() => expect(completed).toHaveLength(1));
    expect(progress.map((event) => event.progress)).toEqual([10, { done: 2, total: 3 }, 100]);
    // The interval (60 s here) had not passed: only the first value was written on its own.
    expect(progressWrites).toEqual([{ progress: 10 }]);
    expect(writes()[0]?.set.progress).toBe(100);
    expect(completed[0]?.job.progress).toBe(100);
  });

  it('lets a bad progress value throw in the handler, which fails the run like any throw', async () => {
    const { runner, failed } = setup();
    runner.run(claimedJob(), (_job, context) => {
      context.progress(150);
    });
    await vi.waitFor(() => expect(failed).toHaveLength(1));
    expect(failed[0]?.error.message).toMatch(/^Invalid progress: must be a number from 0 to 100/);
    expect(failed[0]?.willRetry).toBe(true);
  });

  it('on stop, waits for a progress write in flight before it hands the job back', async () => {
    const fake = setup();
    const write = deferred<{ matchedCount: number }>();
    const order: string[] = [];
    Object.assign(fake.collection, {
      updateOne: () => {
        order.push('progress sent');
        return write.promise.then((answer) => {
          order.push('progress answered');
          return answer;
        });
      },
    });
    const handler = deferred<void>();
    fake.runner.run(claimedJob(), async (_job, context) => {
      context.progress(50);
      await handler.promise;
    });
    await vi.waitFor(() => expect(order).toEqual(['progress sent']));
    const stopping = fake.runner.abortAndRelease(new Error('stopping'));
    // Several macrotasks: a release write would have gone out by now (batches leave after one).
    for (let i = 0; i < 5; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
    expect(fake.writes()).toEqual([]);
    write.resolve({ matchedCount: 1 });
    await stopping;
    expect(order).toEqual(['progress sent', 'progress answered']);
    expect(fake.writes().map(({ set }) => set.status)).toEqual(['pending']);
    handler.resolve();
  });
});
