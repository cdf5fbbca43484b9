import type { Document } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { ConnectionError } from '../../src/errors.js';
import type { Job } from '../../src/jobs/job.js';
import { interceptedDb, passThrough } from '../integration/support/intercepted-db.js';
import { deferred } from '../runtime/fakes.js';
import { nextEvent, useSchedulerHarness } from '../setup/scheduler-harness.js';

/**
 * A run never starts on a claim whose lease has already run out: a claim answered so late that
 * another instance may have taken its job over meanwhile is handed back, not started.
 */
describe('a claim answered after its lease ran out', () => {
  const harness = useSchedulerHarness('late_claim');

  it('is not started, so the job never runs on two live instances at once', async () => {
    const collectionName = harness.collectionName();
    const landed = deferred<void>();
    const takenOver = deferred<void>();
    // A's claim lands at once, but its answer arrives only after B has taken the job over.
    const slowAnswers = interceptedDb(await harness.separateDb(), (collection, method, args) => {
      const update = args[1] as Document | undefined;
      if (method !== 'findOneAndUpdate' || update?.$set?.status !== 'processing') {
        return passThrough(collection, method, args);
      }
      return (async () => {
        const claimed = await passThrough(collection, method, args);
        landed.resolve();
        await takenOver.promise;
        return claimed;
      })();
    });
    // A lease of 500 ms (lockTimeout − heartbeatInterval), so that B may take the job over soon.
    const lease = { lockTimeout: 600, heartbeatInterval: 100 };
    const a = harness.create({ collectionName, ...lease }, slowAnswers);
    const b = harness.create({ collectionName, ...lease }, await harness.separateDb());
    const startedOnA: Job[] = [];
    a.worker(
      'work',
      (job) => {
        startedOnA.push(job);
      },
      { concurrency: 1 },
    );
    b.worker('work', () => {
      takenOver.resolve();
    });
    const reportedOnA = nextEvent(a, 'job:error', 10_000);
    const startOnA = nextEvent(a, 'job:start', 10_000).then(() => {
      throw new Error('A started the job on a claim answered after its lease had run out');
    });
    // Added before A starts, so that A's first claim takes it (whatever else A sends first).
    const { job } = await a.enqueue('work', null);
    await a.start();
    await landed.promise;
    const completedOnB = nextEvent(b, 'job:complete', 10_000);
    await b.start();
    const [{ job: completed }] = await completedOnB;
    const [{ error }] = await Promise.race([reportedOnA, startOnA]);
    startOnA.catch(() => {});
    expect(completed._id.equals(job._id)).toBe(true);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.message).toMatch(
      /its lease \(lockTimeout − heartbeatInterval, 500 ms\) had run out/,
    );
    expect(startedOnA).toEqual([]);
  });
});
