import type { ChangeStream, Collection, Document } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { ConnectionError, JobCancelledError } from '../../src/errors.js';
import type { Job } from '../../src/jobs/job.js';
import { waitForJob } from '../../src/testing/wait-for-job.js';
import type { JobContext } from '../../src/workers/worker-registry.js';
import { interceptedDb, passThrough } from '../integration/support/intercepted-db.js';
import { deferred } from '../runtime/fakes.js';
import { nextEvent, useSchedulerHarness } from '../setup/scheduler-harness.js';

/**
 * A change stream sees only what happens after it opened: a cancel requested while the owner's
 * stream was down is read when the stream is back (and the heartbeat, far off here, is not what
 * finds it).
 */
describe('a cancel requested while the change stream was down', () => {
  const harness = useSchedulerHarness('cancel_resync');

  async function owner(options: { failReads: boolean }) {
    const lost = deferred<never>();
    const reopen = deferred<void>();
    let watches = 0;
    const db = interceptedDb(await harness.separateDb(), (collection, method, args) => {
      if (method === 'watch') {
        watches += 1;
        const open = () => passThrough(collection, method, args) as ChangeStream<Document>;
        if (watches === 1) {
          const stream = open();
          return {
            tryNext: () => Promise.race([stream.tryNext(), lost.promise]),
            close: () => stream.close(),
          };
        }
        // The next stream opens only when the test says so.
        let stream: ChangeStream<Document> | undefined;
        return {
          tryNext: async () => {
            await reopen.promise;
            stream ??= open();
            return stream.tryNext();
          },
          close: async () => stream?.close(),
        };
      }
      const filter = args[0] as Document | undefined;
      // The read of the held jobs (not a claim's read-back, which names its round's lockedAt).
      const readsHeld =
        method === 'find' &&
        filter !== undefined &&
        'claimedBy' in filter &&
        !('lockedAt' in filter);
      if (options.failReads && readsHeld) {
        return {
          toArray: () =>
            Promise.reject(Object.assign(new Error('reset'), { name: 'MongoNetworkError' })),
        };
      }
      return passThrough(collection as Collection<Document>, method, args);
    });
    const collectionName = harness.collectionName();
    // Heartbeats far apart: only the resynchronisation can see the request within the test.
    const monque = harness.create(
      { collectionName, heartbeatInterval: 20_000, lockTimeout: 60_000 },
      db,
    );
    const reasons: unknown[] = [];
    // Ends the handler when the test is done with it (it otherwise waits for its signal).
    const finish = deferred<void>();
    monque.worker('work', (_: Job, { signal }: JobContext) => {
      const aborted = new Promise<void>((_, reject) => {
        signal.addEventListener('abort', () => {
          reasons.push(signal.reason);
          reject(signal.reason);
        });
      });
      return Promise.race([aborted, finish.promise]);
    });
    const connected = nextEvent(monque, 'changestream:connected');
    await monque.start();
    await connected;
    const other = harness.create({ collectionName }, await harness.separateDb());
    const { job } = await other.enqueue('work', null);
    await waitForJob(other, job._id, 'processing');
    // The stream fails; while the new one is not open yet, the cancel is requested.
    const failed = nextEvent(monque, 'changestream:error');
    lost.reject(Object.assign(new Error('stream lost'), { name: 'MongoNetworkError' }));
    await failed;
    expect(await other.cancelJob(job._id)).toMatchObject({ outcome: 'requested' });
    return { monque, reasons, reopen, job, finish };
  }

  it('is read when the stream is back, and the handler is aborted', async () => {
    const { monque, reasons, reopen, job } = await owner({ failReads: false });
    const cancelled = nextEvent(monque, 'job:cancelled');
    reopen.resolve();
    const [{ job: written }] = await cancelled;
    expect(written._id.equals(job._id)).toBe(true);
    expect(reasons).toEqual([expect.any(JobCancelledError)]);
  });

  it('reports a read that fails', async () => {
    const { monque, reopen, finish } = await owner({ failReads: true });
    const reported = nextEvent(monque, 'job:error');
    reopen.resolve();
    const [{ error }] = await reported;
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.message).toMatch(/could not read the cancel requests of the jobs held: reset/);
    finish.resolve();
  });
});
