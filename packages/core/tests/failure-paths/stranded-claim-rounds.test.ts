import type { Document } from 'mongodb';
import { describe, expect, it } from 'vitest';
import type { JobErrorEvent } from '../../src/events.js';
import {
  claimMissingACandidate,
  type Intercept,
  interceptedDb,
  isBatchClaim,
  isClaimReadBack,
  passThrough,
} from '../integration/support/intercepted-db.js';
import { useSchedulerHarness } from '../setup/scheduler-harness.js';

/**
 * A claim round whose outcome is unknown must not strand what it claimed until `lockTimeout`:
 * the jobs are handed back to pending at once (fenced by the round's `lockedAt`) and run.
 */
describe('a claim round whose outcome is unknown', () => {
  const harness = useSchedulerHarness('stranded_rounds');

  /**
   * An instance on `intercept`ed database access with 3 due jobs; stale recovery is far beyond
   * the test (a job left to it would not run within it).
   */
  async function start(intercept: Intercept) {
    const db = interceptedDb(await harness.separateDb(), intercept);
    const monque = harness.create(
      { collectionName: harness.collectionName(), heartbeatInterval: 1000, lockTimeout: 120_000 },
      db,
    );
    const runs: string[] = [];
    monque.worker('work', (job) => {
      runs.push(job._id.toHexString());
    });
    const errors: JobErrorEvent[] = [];
    monque.on('job:error', (event) => errors.push(event));
    const recovered: number[] = [];
    monque.on('stale:recovered', ({ count }) => recovered.push(count));
    const jobs = await monque.enqueueMany(
      Array.from({ length: 3 }, (_, i) => ({ name: 'work', data: { i } })),
    );
    await monque.start();
    return { monque, runs, errors, recovered, jobs };
  }

  it('read-back lost: the claimed jobs are handed back at once and run', async () => {
    let failed = 0;
    let missed = 0;
    const { monque, runs, errors, recovered, jobs } = await start((collection, method, args) => {
      // The first round misses a candidate, so it reads back what it claimed.
      if (isBatchClaim(method, args) && missed === 0) {
        missed += 1;
        return claimMissingACandidate(collection, args);
      }
      // The read-back of the round (it filters on the round's lockedAt) fails once.
      if (isClaimReadBack(method, args) && failed === 0) {
        failed += 1;
        return {
          toArray: () =>
            Promise.reject(
              Object.assign(new Error('connection reset'), { name: 'MongoNetworkError' }),
            ),
        };
      }
      return passThrough(collection, method, args);
    });

    await expect
      .poll(() => monque.collection.countDocuments({ status: 'completed' }), { timeout: 5000 })
      .toBe(3);
    expect(failed).toBe(1);
    expect(new Set(runs)).toEqual(new Set(jobs.map((job) => job._id.toHexString())));
    expect(runs).toHaveLength(3);
    expect(recovered).toEqual([]);
    const stored = await monque.collection.find({}).toArray();
    expect(stored.every((job) => (job.takeoverCount ?? 0) === 0)).toBe(true);
    expect(errors.map(({ error }) => error.message)).toEqual([
      expect.stringMatching(/^could not claim jobs: connection reset/),
    ]);
  }, 15_000);

  it('answered after the round-trip limit: what it claimed is handed back at once and run', async () => {
    let delayed = 0;
    const { monque, runs, errors, recovered } = await start((collection, method, args) => {
      if (!isBatchClaim(method, args) || delayed > 0) return passThrough(collection, method, args);
      delayed += 1;
      // The claim lands at once; its answer comes after the 5 s round-trip limit.
      return (passThrough(collection, method, args) as Promise<unknown>).then(
        (result) => new Promise((resolve) => setTimeout(() => resolve(result), 5500)),
      );
    });

    await expect
      .poll(() => monque.collection.countDocuments({ status: 'completed' }), { timeout: 10_000 })
      .toBe(3);
    expect(delayed).toBe(1);
    expect(runs).toHaveLength(3);
    expect(recovered).toEqual([]);
    expect(errors.map(({ error }) => error.name)).toEqual(['RoundTripTimeoutError']);
  }, 20_000);

  it('a hand-back that fails is reported and tried again at the next heartbeat', async () => {
    let readBacks = 0;
    let handBacks = 0;
    let missed = 0;
    const { monque, errors } = await start((collection, method, args) => {
      const filter = args[0] as Document | undefined;
      const update = args[1] as Document | undefined;
      if (isBatchClaim(method, args) && missed === 0) {
        missed += 1;
        return claimMissingACandidate(collection, args);
      }
      if (isClaimReadBack(method, args) && readBacks === 0) {
        readBacks += 1;
        return { toArray: () => Promise.reject(new Error('read-back lost')) };
      }
      const handsBack =
        method === 'updateMany' &&
        filter?.lockedAt !== undefined &&
        update?.$set?.status === 'pending';
      if (handsBack && handBacks === 0) {
        handBacks += 1;
        return Promise.reject(new Error('hand-back lost'));
      }
      return passThrough(collection, method, args);
    });

    await expect
      .poll(() => monque.collection.countDocuments({ status: 'completed' }), { timeout: 5000 })
      .toBe(3);
    expect(handBacks).toBe(1);
    expect(errors.map(({ error }) => error.message)).toEqual([
      'could not claim jobs: read-back lost',
      'could not hand back the jobs of a claim round: hand-back lost',
    ]);
  }, 15_000);
});
