import { describe, expect, it } from 'vitest';
import { JobOwnershipLostError } from '../../src/errors.js';
import type { Monque } from '../../src/monque.js';
import { nextEvent, useSchedulerHarness } from '../setup/scheduler-harness.js';

describe('several instances', () => {
  const harness = useSchedulerHarness('multi');

  it('processes 1000 jobs on 3 instances with separate clients exactly once each (SC-006)', async () => {
    const collectionName = harness.collectionName();
    const starts = new Map<string, number>();
    const instances: Monque[] = [];
    let completed = 0;
    let resolveAll: () => void = () => {};
    const allDone = new Promise<void>((resolve) => {
      resolveAll = resolve;
    });
    for (let i = 0; i < 3; i += 1) {
      const monque = harness.create(
        { collectionName, defaultConcurrency: 10, heartbeatInterval: 500, lockTimeout: 5000 },
        await harness.separateDb(),
      );
      monque.worker('work', (job) => {
        const id = job._id.toHexString();
        starts.set(id, (starts.get(id) ?? 0) + 1);
      });
      monque.on('job:complete', () => {
        completed += 1;
        if (completed === 1000) resolveAll();
      });
      instances.push(monque);
    }
    const [first] = instances as [Monque];
    await first.initialize();
    await first.collection.insertMany(
      Array.from({ length: 1000 }, (_, i) => ({
        name: 'work',
        data: { i },
        status: 'pending' as const,
        nextRunAt: new Date(),
        lockedAt: null,
        claimedBy: null,
        lastHeartbeat: null,
        heartbeatInterval: null,
        failCount: 0,
        failReason: null,
        repeatInterval: null,
        timezone: null,
        createdAt: new Date(),
        updatedAt: new Date(),
      })) as never[],
    );
    await Promise.all(instances.map((monque) => monque.start()));
    await allDone;
    expect(starts.size).toBe(1000);
    expect([...starts.values()].every((count) => count === 1)).toBe(true);
    expect(await first.collection.countDocuments({ status: 'completed' })).toBe(1000);
  }, 60_000);

  it('takes over a job whose heartbeat stopped, and fences out the old owner', async () => {
    const collectionName = harness.collectionName();
    // The old owner's heartbeats never arrive (a zombie); it does not recover stale jobs itself.
    // Its own lease is long (lockTimeout 5 s), so it does not give the job up itself while the
    // rescuer, with a shorter lockTimeout, takes it over: its late outcome meets the fence.
    const owner = harness.create(
      { collectionName, heartbeatInterval: 100, lockTimeout: 5000, recoverStaleJobs: false },
      harness.frozenHeartbeats(await harness.separateDb()),
    );
    const rescuer = harness.create(
      { collectionName, heartbeatInterval: 100, lockTimeout: 300 },
      await harness.separateDb(),
    );
    let finishOldRun: () => void = () => {};
    owner.worker(
      'long',
      () =>
        new Promise<void>((resolve) => {
          finishOldRun = resolve;
        }),
      { concurrency: 1 },
    );
    rescuer.worker('long', () => {});
    // Concurrency 1: while its old run hangs, the old owner cannot claim the job back.
    const ownerStarted = nextEvent(owner, 'job:start');
    await owner.start();
    const { job } = await owner.enqueue('long', null);
    const [claimed] = await ownerStarted;
    const claimedAt = claimed.lockedAt?.getTime() ?? 0;

    const recovered = nextEvent(rescuer, 'stale:recovered');
    const reclaimed = nextEvent(rescuer, 'job:start');
    const rescued = nextEvent(rescuer, 'job:complete');
    await rescuer.start();
    const [{ count }] = await recovered;
    // The claim is read from job:start: job:complete carries the job as completed (unclaimed).
    const [rerun] = await reclaimed;
    const [{ job: completed }] = await rescued;
    expect(count).toBe(1);
    expect(rerun._id.equals(job._id)).toBe(true);
    expect(completed._id.equals(job._id)).toBe(true);
    expect(rerun.lockedAt).toBeInstanceOf(Date);
    // Taken over only once the claim was stale: no heartbeat for lockTimeout (the old owner's
    // last one is its claim, as its heartbeats never arrive). How soon after that (within about a
    // heartbeat interval) is a matter of time, which the reliability suite records.
    expect((rerun.lockedAt?.getTime() ?? 0) - claimedAt).toBeGreaterThan(300);

    const lost = nextEvent(owner, 'job:error');
    let ownerCompleted = false;
    owner.on('job:complete', () => {
      ownerCompleted = true;
    });
    finishOldRun();
    const [{ error, job: lostJob }] = await lost;
    expect(error).toBeInstanceOf(JobOwnershipLostError);
    expect(lostJob?._id.equals(job._id)).toBe(true);
    expect(ownerCompleted).toBe(false);
    const stored = await owner.collection.findOne({ _id: job._id });
    expect(stored?.status).toBe('completed');
  });
});
