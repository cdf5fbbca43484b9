import { describe, expect, it } from 'vitest';
import type { JobFailEvent } from '../../src/events.js';
import { parseCron } from '../../src/scheduling/cron.js';
import { nextEvent, useSchedulerHarness } from '../setup/scheduler-harness.js';

/**
 * A recurring job whose dependency is down must not die: its last allowed failure is recorded and
 * the schedule lives on.
 */
describe('a recurring job that fails maxRetries times in a row', () => {
  const harness = useSchedulerHarness('recurring_failure');

  it('records the final failure and keeps its schedule; it runs again once the dependency is back', async () => {
    const monque = harness.create({
      collectionName: harness.collectionName(),
      maxRetries: 2,
      baseRetryInterval: 20,
      pollInterval: 20,
    });
    let dependencyUp = false;
    const runs: boolean[] = [];
    monque.worker('sync', () => {
      runs.push(dependencyUp);
      if (!dependencyUp) throw new Error('dependency down');
    });
    const failures: JobFailEvent[] = [];
    monque.on('job:fail', (event) => failures.push(event));
    const finalFailure = new Promise<JobFailEvent>((resolve) => {
      monque.on('job:fail', (event) => {
        if (!event.willRetry) resolve(event);
      });
    });
    await monque.start();
    const job = await monque.schedule('* * * * * *', 'sync', null);

    const { job: written, willRetry, error } = await finalFailure;
    const failedAt = written.updatedAt;
    expect(willRetry).toBe(false);
    expect(error.message).toBe('dependency down');
    expect(failures.map((event) => event.willRetry)).toEqual([true, false]);
    // The schedule lives on: the next occurrence after the failure, pending, failCount back to 0,
    // the failure's reason kept.
    expect(written).toMatchObject({
      _id: job._id,
      status: 'pending',
      failCount: 0,
      failReason: 'dependency down',
      claimedBy: null,
      nextRunAt: parseCron('* * * * * *').next(failedAt),
    });
    const stored = await monque.collection.findOne({ _id: job._id });
    expect(stored).toEqual(written);

    // The dependency recovers: the next occurrence runs and succeeds.
    dependencyUp = true;
    const [{ job: completed }] = await nextEvent(monque, 'job:complete', 5000);
    expect(completed).toMatchObject({ _id: job._id, status: 'pending', failReason: null });
    expect(runs).toEqual([false, false, true]);
  });
});
