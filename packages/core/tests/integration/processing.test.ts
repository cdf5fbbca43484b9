import { ObjectId } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { MonqueError } from '../../src/errors.js';
import type { JobErrorEvent } from '../../src/events.js';
import { nextEvent, useSchedulerHarness } from '../setup/scheduler-harness.js';

describe('processing', () => {
  const harness = useSchedulerHarness('processing');

  it('runs an enqueued job and marks it completed', async () => {
    const monque = harness.create({ collectionName: harness.collectionName() });
    const seen: unknown[] = [];
    monque.worker('hello', (job) => {
      seen.push(job.data);
    });
    await monque.start();
    const done = nextEvent(monque, 'job:complete');
    const { job } = await monque.enqueue('hello', { a: 1 });
    const [{ job: completed, duration }] = await done;
    expect(completed._id.equals(job._id)).toBe(true);
    expect(duration).toBeGreaterThanOrEqual(0);
    expect(seen).toEqual([{ a: 1 }]);
    const stored = await monque.collection.findOne({ _id: job._id });
    expect(stored).toMatchObject({
      status: 'completed',
      claimedBy: null,
      lockedAt: null,
      lastHeartbeat: null,
      failCount: 0,
    });
    // job:complete carries the job as the completion write left it.
    expect(completed).toEqual(stored);
  });

  it('serves workers registered after start() and leaves unregistered names pending', async () => {
    const monque = harness.create({ collectionName: harness.collectionName() });
    await monque.start();
    const { job: orphan } = await monque.enqueue('nobody', null);
    const { job: late } = await monque.enqueue('late', null);
    const done = nextEvent(monque, 'job:complete');
    monque.worker('late', () => {});
    const [{ job }] = await done;
    expect(job._id.equals(late._id)).toBe(true);
    expect((await monque.collection.findOne({ _id: orphan._id }))?.status).toBe('pending');
    expect(monque.workerNames).toEqual(['late']);
  });

  it('never runs more jobs of a worker at once than its concurrency', async () => {
    const monque = harness.create({ collectionName: harness.collectionName() });
    let running = 0;
    let peak = 0;
    let completed = 0;
    monque.worker(
      'limited',
      async () => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 20));
        running -= 1;
      },
      { concurrency: 3 },
    );
    const allDone = new Promise<void>((resolve) => {
      monque.on('job:complete', () => {
        completed += 1;
        if (completed === 20) resolve();
      });
    });
    for (let i = 0; i < 20; i += 1) await monque.enqueue('limited', { i });
    await monque.start();
    await allDone;
    expect(peak).toBe(3);
  });

  it('caps all workers of an instance at maxConcurrency', async () => {
    const monque = harness.create({ collectionName: harness.collectionName(), maxConcurrency: 2 });
    let running = 0;
    let peak = 0;
    let completed = 0;
    const handler = async () => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 20));
      running -= 1;
    };
    monque.worker('a', handler, { concurrency: 5 });
    monque.worker('b', handler, { concurrency: 5 });
    const allDone = new Promise<void>((resolve) => {
      monque.on('job:complete', () => {
        completed += 1;
        if (completed === 12) resolve();
      });
    });
    for (let i = 0; i < 6; i += 1) {
      await monque.enqueue('a', { i });
      await monque.enqueue('b', { i });
    }
    await monque.start();
    await allDone;
    expect(peak).toBe(2);
    expect(monque.inFlightCount).toBe(0);
  });

  it('records a non-Error throw as the failure reason', async () => {
    const monque = harness.create({ collectionName: harness.collectionName(), maxRetries: 1 });
    monque.worker('throws', () => {
      throw 'plain string';
    });
    await monque.start();
    const failed = nextEvent(monque, 'job:fail');
    const { job } = await monque.enqueue('throws', null);
    const [{ error, willRetry, job: failedJob }] = await failed;
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toContain('plain string');
    expect(willRetry).toBe(false);
    const stored = await monque.collection.findOne({ _id: job._id });
    expect(stored).toMatchObject({ status: 'failed', failCount: 1 });
    expect(stored?.failReason).toContain('plain string');
    // job:fail carries the job as the failure write left it.
    expect(failedJob).toEqual(stored);
  });

  it('marks a foreign document failed, reports it once and goes on', async () => {
    const monque = harness.create({ collectionName: harness.collectionName() });
    const foreignId = new ObjectId();
    await monque.initialize();
    await monque.collection.insertOne({
      _id: foreignId,
      name: 'mixed',
      status: 'pending',
      nextRunAt: new Date(Date.now() - 1000),
    } as never);
    const errors: JobErrorEvent[] = [];
    monque.on('job:error', (event) => errors.push(event));
    monque.worker('mixed', () => {});
    const done = nextEvent(monque, 'job:complete');
    const { job: good } = await monque.enqueue('mixed', { ok: true });
    await monque.start();
    const [{ job }] = await done;
    expect(job._id.equals(good._id)).toBe(true);
    const foreign = await monque.collection.findOne({ _id: foreignId });
    expect(foreign?.status).toBe('failed');
    expect(foreign?.failReason).toContain('not a Monque job');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.error).toBeInstanceOf(MonqueError);
    expect(errors[0]?.error.message).toContain(foreignId.toHexString());
  });

  it('reschedules a recurring job from its cron after a success and resets failCount', async () => {
    const monque = harness.create({ collectionName: harness.collectionName(), maxRetries: 5 });
    let calls = 0;
    monque.worker('tick', () => {
      calls += 1;
      if (calls === 1) throw new Error('first run fails');
    });
    const job = await monque.schedule('0 0 1 1 *', 'tick', null);
    // Make it due now (as if January 1st had come).
    await monque.collection.updateOne({ _id: job._id }, { $set: { nextRunAt: new Date() } });
    await monque.start();
    const [{ willRetry }] = await nextEvent(monque, 'job:fail');
    expect(willRetry).toBe(true);
    await monque.collection.updateOne({ _id: job._id }, { $set: { nextRunAt: new Date() } });
    await nextEvent(monque, 'job:complete');
    const stored = await monque.collection.findOne({ _id: job._id });
    expect(stored).toMatchObject({ status: 'pending', failCount: 0, failReason: null });
    const next = stored?.nextRunAt as Date;
    expect(next.getUTCMonth()).toBe(0);
    expect(next.getUTCDate()).toBe(1);
    expect(next.getUTCHours()).toBe(0);
    expect(next.getTime()).toBeGreaterThan(Date.now());
  });

  it('is healthy while running and not after stop()', async () => {
    const monque = harness.create({ collectionName: harness.collectionName() });
    expect(monque.isHealthy()).toBe(false);
    await monque.start();
    expect(monque.isHealthy()).toBe(true);
    await monque.stop();
    expect(monque.isHealthy()).toBe(false);
  });
});
