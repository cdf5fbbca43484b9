import { afterEach, describe, expect, it } from 'vitest';
import type { JobErrorEvent, JobFailEvent } from '../../src/events.js';
import type { Monque } from '../../src/monque.js';
import { deferred } from '../runtime/fakes.js';
import { nextEvent, useSchedulerHarness } from '../setup/scheduler-harness.js';

/**
 * A job that takes down every instance that runs it (it runs the process out of memory or blocks
 * its event loop) must not be retried forever. Here each "dying" instance is a zombie whose
 * heartbeats never arrive and whose handler never returns, so the job is taken over again and
 * again, as after a crash.
 */
describe('a job taken over again and again', () => {
  const harness = useSchedulerHarness('takeover_limit');
  const hang = deferred<void>();

  afterEach(() => {
    hang.resolve();
  });

  it('is failed after maxTakeovers (default 2) takeovers, without running again', async () => {
    const collectionName = harness.collectionName();
    const runsBy: string[] = [];
    const zombieErrors: JobErrorEvent[] = [];
    const zombie = async (id: string): Promise<Monque> => {
      const monque = harness.create(
        { collectionName, schedulerInstanceId: id, recoverStaleJobs: false },
        harness.frozenHeartbeats(await harness.separateDb()),
      );
      monque.worker(
        'poison',
        () => {
          runsBy.push(id);
          return hang.promise;
        },
        { concurrency: 1 },
      );
      monque.on('job:error', (event) => zombieErrors.push(event));
      return monque;
    };
    // Only recovers stale jobs: it has no worker for them. A short lock timeout, as the zombies'
    // heartbeats never arrive (and the rescuer holds no job whose heartbeat a busy loop delays).
    const rescuer = harness.create({
      collectionName,
      schedulerInstanceId: 'rescuer',
      lockTimeout: 300,
    });
    await rescuer.start();
    const { job } = await rescuer.enqueue('poison', null);

    for (const [round, id] of ['zombie-1', 'zombie-2', 'zombie-3'].entries()) {
      const recovered = nextEvent(rescuer, 'stale:recovered');
      await (await zombie(id)).start();
      await recovered;
      const stored = await rescuer.collection.findOne({ _id: job._id });
      expect(stored).toMatchObject({ status: 'pending', takeoverCount: round + 1, failCount: 0 });
    }
    expect(runsBy).toEqual(['zombie-1', 'zombie-2', 'zombie-3']);

    // The next instance that claims it fails it instead of running it a fourth time.
    const last = harness.create({ collectionName, schedulerInstanceId: 'last' });
    last.worker('poison', () => {
      runsBy.push('last');
    });
    const failed = nextEvent(last, 'job:fail');
    await last.start();
    const [{ job: written, error, willRetry }] = (await failed) as [JobFailEvent];
    expect(willRetry).toBe(false);
    expect(error).toMatchObject({ name: 'TakeoverLimitError', takeovers: 3, limit: 2 });
    expect(error.message).toMatch(/was taken over 3 times/);
    expect(written).toMatchObject({ _id: job._id, status: 'failed', takeoverCount: 3 });
    expect(written.failReason).toBe(error.message);
    expect(await last.collection.findOne({ _id: job._id })).toEqual(written);
    expect(runsBy).toEqual(['zombie-1', 'zombie-2', 'zombie-3']);
  }, 30_000);
});
