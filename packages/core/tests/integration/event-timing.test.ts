import { describe, expect, it } from 'vitest';
import { JobOwnershipLostError } from '../../src/errors.js';
import { nextEvent, useSchedulerHarness } from '../setup/scheduler-harness.js';
import { withFrozenHeartbeats } from './support/frozen-heartbeats.js';

/** Every event must follow the state change it reports within this many milliseconds. */
const WITHIN = 100;

describe('event timing (SC-005)', () => {
  const harness = useSchedulerHarness('events');

  it('emits job:start, job:complete and job:fail within 100 ms of the state change', async () => {
    const monque = harness.create({ collectionName: harness.collectionName(), maxRetries: 1 });
    monque.worker('ok', () => {});
    monque.worker('bad', () => {
      throw new Error('nope');
    });
    await monque.start();

    const started = nextEvent(monque, 'job:start');
    const completed = nextEvent(monque, 'job:complete');
    const ok = await monque.enqueue('ok', null);
    const [startedJob] = await started;
    expect(Date.now() - (startedJob.lockedAt?.getTime() ?? 0)).toBeLessThanOrEqual(WITHIN);
    await completed;
    const completedAt = Date.now();
    const storedOk = await monque.collection.findOne({ _id: ok._id });
    expect(completedAt - (storedOk?.updatedAt.getTime() ?? 0)).toBeLessThanOrEqual(WITHIN);

    const failed = nextEvent(monque, 'job:fail');
    const bad = await monque.enqueue('bad', null);
    await failed;
    const failedAt = Date.now();
    const storedBad = await monque.collection.findOne({ _id: bad._id });
    expect(storedBad?.status).toBe('failed');
    expect(failedAt - (storedBad?.updatedAt.getTime() ?? 0)).toBeLessThanOrEqual(WITHIN);
  });

  it('emits stale:recovered and the ownership job:error within 100 ms', async () => {
    const collectionName = harness.collectionName();
    // The owner's heartbeats never arrive (a zombie); it does not recover stale jobs itself.
    const owner = harness.create(
      { collectionName, heartbeatInterval: 100, lockTimeout: 300, recoverStaleJobs: false },
      withFrozenHeartbeats(await harness.separateDb()),
    );
    const rescuer = harness.create({ collectionName, heartbeatInterval: 100, lockTimeout: 300 });
    let finish: () => void = () => {};
    // Concurrency 1: while its run hangs, the owner cannot claim the recovered job back.
    owner.worker('slow', () => new Promise<void>((resolve) => (finish = resolve)), {
      concurrency: 1,
    });
    const started = nextEvent(owner, 'job:start');
    await owner.start();
    const job = await owner.enqueue('slow', null);
    await started;

    // The rescuer has no worker: the recovered job stays pending for inspection.
    const recovered = nextEvent(rescuer, 'stale:recovered');
    await rescuer.start();
    await recovered;
    const recoveredAt = Date.now();
    const stored = await rescuer.collection.findOne({ _id: job._id });
    expect(stored?.status).toBe('pending');
    expect(recoveredAt - (stored?.updatedAt.getTime() ?? 0)).toBeLessThanOrEqual(WITHIN);

    const lost = nextEvent(owner, 'job:error');
    const finishedAt = Date.now();
    finish();
    const [{ error }] = await lost;
    expect(error).toBeInstanceOf(JobOwnershipLostError);
    expect(Date.now() - finishedAt).toBeLessThanOrEqual(WITHIN);
  });
});
