import { describe, expect, it } from 'vitest';
import { ShutdownTimeoutError } from '../../src/errors.js';
import type { JobErrorEvent } from '../../src/events.js';
import { nextEvent, useSchedulerHarness } from '../setup/scheduler-harness.js';

describe('graceful shutdown', () => {
  const harness = useSchedulerHarness('shutdown');

  it('lets in-flight jobs finish before stop() resolves', async () => {
    const monque = harness.create({ collectionName: harness.collectionName() });
    let finish: () => void = () => {};
    monque.worker('slow', () => new Promise<void>((resolve) => (finish = resolve)));
    await monque.start();
    const started = nextEvent(monque, 'job:start');
    const { job } = await monque.enqueue('slow', null);
    await started;
    const order: string[] = [];
    monque.on('job:complete', () => order.push('complete'));
    monque.on('changestream:closed', () => order.push('closed'));
    const stopping = monque.stop().then(() => order.push('stopped'));
    expect(monque.stop()).toBe(monque.stop());
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).not.toContain('stopped');
    finish();
    await stopping;
    expect(order.toSorted()).toEqual(['closed', 'complete', 'stopped']);
    expect(order.at(-1)).toBe('stopped');
    expect((await monque.collection.findOne({ _id: job._id }))?.status).toBe('completed');
  });

  it('after shutdownTimeout aborts handlers, releases their jobs and reports them', async () => {
    const monque = harness.create({
      collectionName: harness.collectionName(),
      shutdownTimeout: 200,
    });
    let signal: AbortSignal | undefined;
    monque.worker('stuck', (_job, context) => {
      signal = context.signal;
      return new Promise<void>(() => {});
    });
    await monque.start();
    const started = nextEvent(monque, 'job:start');
    const { job } = await monque.enqueue('stuck', null);
    await started;
    const errors: JobErrorEvent[] = [];
    monque.on('job:error', (event) => errors.push(event));
    const before = Date.now();
    await monque.stop();
    expect(Date.now() - before).toBeGreaterThanOrEqual(190);
    expect(signal?.aborted).toBe(true);
    expect(errors).toHaveLength(1);
    const error = errors[0]?.error;
    expect(error).toBeInstanceOf(ShutdownTimeoutError);
    expect((error as ShutdownTimeoutError).incompleteJobs.map((j) => j._id.toHexString())).toEqual([
      job._id.toHexString(),
    ]);
    expect(signal?.reason).toBe(error);
    const stored = await monque.collection.findOne({ _id: job._id });
    expect(stored).toMatchObject({ status: 'pending', claimedBy: null, lockedAt: null });
  });

  it('starts again after stop()', async () => {
    const monque = harness.create({ collectionName: harness.collectionName() });
    monque.worker('again', () => {});
    await monque.start();
    await monque.stop();
    await monque.start();
    const done = nextEvent(monque, 'job:complete');
    await monque.enqueue('again', null);
    await done;
    expect(monque.isHealthy()).toBe(true);
  });
});
