import type { Collection } from 'mongodb';
import { ObjectId } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { type Claimant, claimJobs, findNextPendingRun } from '../../src/claim/claim-job.js';
import { handBackRound } from '../../src/claim/hand-back-round.js';
import { ConnectionError, MonqueError } from '../../src/errors.js';
import { ensureJobIndexes } from '../../src/indexes.js';
import type { JobDocument } from '../../src/jobs/job.js';
import { newJobDocument } from '../../src/scheduling/new-job.js';
import { useSchedulerHarness } from '../setup/scheduler-harness.js';

const me: Claimant = { instanceId: 'me', heartbeatInterval: 1000 };
const other: Claimant = { instanceId: 'other', heartbeatInterval: 1000 };

describe('claimJobs', () => {
  const harness = useSchedulerHarness('claims');

  async function seed(count: number, name = 'work'): Promise<Collection<JobDocument>> {
    const collection = harness.db.collection<JobDocument>(harness.collectionName());
    await ensureJobIndexes(collection);
    const base = Date.now() - 10_000;
    if (count > 0) {
      await collection.insertMany(
        Array.from(
          { length: count },
          (_, i) =>
            ({
              ...newJobDocument({ name, data: { i }, nextRunAt: new Date(base + i) }, new Date()),
              _id: new ObjectId(),
            }) as JobDocument,
        ),
      );
    }
    return collection;
  }

  /** The collection, with `beforeUpdateMany` run just before the claim's updateMany. */
  function racing(
    collection: Collection<JobDocument>,
    beforeUpdateMany: () => Promise<void>,
  ): Collection<JobDocument> {
    const wrapped = Object.create(collection) as Collection<JobDocument>;
    wrapped.updateMany = (async (...args: Parameters<Collection<JobDocument>['updateMany']>) => {
      await beforeUpdateMany();
      return collection.updateMany(...args);
    }) as Collection<JobDocument>['updateMany'];
    return wrapped;
  }

  it('claims the highest priority first, then the oldest due, in one round and one by one', async () => {
    const collection = await seed(0);
    const base = Date.now() - 10_000;
    // [label, priority, due offset]: a later high-priority job goes before an older low one.
    const jobs: Array<[string, number, number]> = [
      ['low-old', -5, 0],
      ['mid-old', 0, 1],
      ['high-new', 7, 3],
      ['mid-new', 0, 2],
      ['high-old', 7, 2],
    ];
    await collection.insertMany(
      jobs.map(
        ([label, priority, offset]) =>
          ({
            ...newJobDocument(
              { name: 'work', data: { label }, nextRunAt: new Date(base + offset), priority },
              new Date(),
            ),
            _id: new ObjectId(),
          }) as JobDocument,
      ),
    );
    const labels = (batch: { jobs: JobDocument[] }) =>
      batch.jobs.map((job) => (job.data as { label: string }).label);
    expect(labels(await claimJobs(collection, 'work', me, 3))).toEqual([
      'high-old',
      'high-new',
      'mid-old',
    ]);
    expect(labels(await claimJobs(collection, 'work', me, 1))).toEqual(['mid-new']);
    expect(labels(await claimJobs(collection, 'work', me, 1))).toEqual(['low-old']);
  });

  it('claims up to the limit, oldest due first, in one round sharing its lockedAt', async () => {
    const collection = await seed(5);
    const now = new Date();
    const first = await claimJobs(collection, 'work', me, 3, now);
    expect(first.jobs.map((job) => (job.data as { i: number }).i)).toEqual([0, 1, 2]);
    expect(first.more).toBe(true);
    expect(first.errors).toEqual([]);
    for (const job of first.jobs) {
      expect(job).toMatchObject({ status: 'processing', claimedBy: 'me', lockedAt: now });
    }
    const second = await claimJobs(collection, 'work', me, 3);
    expect(second.jobs.map((job) => (job.data as { i: number }).i)).toEqual([3, 4]);
    expect(second.more).toBe(false);
    expect(await claimJobs(collection, 'work', me, 3)).toEqual({
      jobs: [],
      errors: [],
      more: false,
    });
    expect(await collection.countDocuments({ status: 'processing', claimedBy: 'me' })).toBe(5);
  });

  /** The collection, with the claim's updateMany failing after (or instead of) running. */
  function failingUpdateMany(
    collection: Collection<JobDocument>,
    runFirst: boolean,
    failure: Error,
  ): Collection<JobDocument> {
    const wrapped = Object.create(collection) as Collection<JobDocument>;
    wrapped.updateMany = (async (...args: Parameters<Collection<JobDocument>['updateMany']>) => {
      if (runFirst) await collection.updateMany(...args);
      throw failure;
    }) as Collection<JobDocument>['updateMany'];
    return wrapped;
  }

  it('picks up what a round claimed when the updateMany reply is lost, and reports it', async () => {
    const collection = await seed(3);
    const lost = new Error('connection reset after the write');
    const now = new Date();
    const batch = await claimJobs(failingUpdateMany(collection, true, lost), 'work', me, 3, now);
    expect(batch.jobs.map((job) => (job.data as { i: number }).i)).toEqual([0, 1, 2]);
    expect(batch.more).toBe(true);
    expect(batch.errors).toHaveLength(1);
    expect(batch.errors[0]).toBeInstanceOf(ConnectionError);
    expect(batch.errors[0]?.cause).toBe(lost);
    expect(await collection.countDocuments({ status: 'processing', claimedBy: 'me' })).toBe(3);
  });

  it('rethrows a failed updateMany that claimed nothing', async () => {
    const collection = await seed(2);
    const refused = new Error('not written');
    await expect(
      claimJobs(failingUpdateMany(collection, false, refused), 'work', me, 2),
    ).rejects.toBe(refused);
    expect(await collection.countDocuments({ status: 'pending' })).toBe(2);
  });

  it('claims a round that gets every candidate in two round trips, returning the jobs as stored', async () => {
    const collection = await seed(4);
    const sent: string[] = [];
    const counted = Object.create(collection) as Collection<JobDocument>;
    counted.find = ((...args: Parameters<Collection<JobDocument>['find']>) => {
      sent.push('find');
      return collection.find(...args);
    }) as Collection<JobDocument>['find'];
    counted.updateMany = ((...args: Parameters<Collection<JobDocument>['updateMany']>) => {
      sent.push('updateMany');
      return collection.updateMany(...args);
    }) as Collection<JobDocument>['updateMany'];
    const now = new Date();
    const batch = await claimJobs(counted, 'work', me, 3, now);
    expect(sent).toEqual(['find', 'updateMany']);
    const stored = await collection
      .find({ status: 'processing' }, { sort: { nextRunAt: 1 } })
      .toArray();
    // Built from what was read and what the claim wrote; `lastHeartbeat` is the server's time on
    // the stored job, `now` (its estimate) on the returned one.
    expect(batch.jobs).toEqual(stored.map((job) => ({ ...job, lastHeartbeat: now })));
    expect(batch.jobs.map((job) => (job.data as { i: number }).i)).toEqual([0, 1, 2]);
  });

  it('does not claim a candidate changed after it was read, and reads back the others', async () => {
    const collection = await seed(3);
    const sent: string[] = [];
    const changed = racing(collection, async () => {
      // What `schedule()` does to a pending recurring job: new data, a new `updatedAt`.
      await collection.updateOne(
        { 'data.i': 1 },
        { $set: { data: { i: 1, changed: true }, updatedAt: new Date(Date.now() + 1000) } },
      );
    });
    changed.find = ((...args: Parameters<Collection<JobDocument>['find']>) => {
      sent.push('find');
      return collection.find(...args);
    }) as Collection<JobDocument>['find'];
    const batch = await claimJobs(changed, 'work', me, 3);
    expect(batch.jobs.map((job) => job.data)).toEqual([{ i: 0 }, { i: 2 }]);
    expect(batch.more).toBe(true);
    // The candidates, then the read-back of what the round claimed.
    expect(sent).toEqual(['find', 'find']);
    // The next round claims it as it is now.
    const next = await claimJobs(collection, 'work', me, 3);
    expect(next.jobs.map((job) => job.data)).toEqual([{ i: 1, changed: true }]);
  });

  it('claims candidates written at different times in one round', async () => {
    const collection = await seed(4);
    await collection.updateMany({ 'data.i': { $lt: 2 } }, { $set: { updatedAt: new Date(0) } });
    const batch = await claimJobs(collection, 'work', me, 4);
    expect(batch.jobs).toHaveLength(4);
    expect(await collection.countDocuments({ status: 'pending' })).toBe(0);
  });

  it('claims a single job with findOneAndUpdate', async () => {
    const collection = await seed(2);
    const one = await claimJobs(collection, 'work', me, 1);
    expect(one.jobs.map((job) => (job.data as { i: number }).i)).toEqual([0]);
    expect(one.more).toBe(true);
    await claimJobs(collection, 'work', me, 1);
    expect(await claimJobs(collection, 'work', me, 1)).toEqual({
      jobs: [],
      errors: [],
      more: false,
    });
  });

  it('does not claim candidates another instance took first, and says more may be due', async () => {
    const collection = await seed(4);
    const contended = racing(collection, async () => {
      await claimJobs(collection, 'work', other, 1);
    });
    const batch = await claimJobs(contended, 'work', me, 3);
    expect(batch.jobs.map((job) => (job.data as { i: number }).i)).toEqual([1, 2]);
    expect(batch.more).toBe(true);
    expect(await collection.countDocuments({ claimedBy: 'other' })).toBe(1);

    // Every candidate taken: nothing claimed, and the round says to look again.
    const rest = await seed(2);
    const lost = racing(rest, async () => {
      await claimJobs(rest, 'work', other, 2);
    });
    expect(await claimJobs(lost, 'work', me, 5)).toEqual({ jobs: [], errors: [], more: true });
  });

  it('does not claim a candidate that went back to pending with a later nextRunAt', async () => {
    const collection = await seed(2);
    const later = racing(collection, async () => {
      await collection.updateOne(
        { 'data.i': 0 },
        { $set: { nextRunAt: new Date(Date.now() + 60_000) } },
      );
    });
    const batch = await claimJobs(later, 'work', me, 2);
    expect(batch.jobs.map((job) => (job.data as { i: number }).i)).toEqual([1]);
    expect(await collection.countDocuments({ status: 'pending' })).toBe(1);
  });

  it('marks foreign documents of a round failed and still returns its jobs', async () => {
    const collection = await seed(2);
    const foreignId = new ObjectId();
    await collection.insertOne({
      _id: foreignId,
      name: 'work',
      status: 'pending',
      nextRunAt: new Date(0),
    } as JobDocument);
    const batch = await claimJobs(collection, 'work', me, 5);
    expect(batch.jobs).toHaveLength(2);
    expect(batch.errors).toEqual([expect.any(MonqueError)]);
    expect(batch.errors[0]?.message).toMatch(/not a Monque job.*it was marked failed/);
    expect(batch.more).toBe(true);
    expect(await collection.findOne({ _id: foreignId })).toMatchObject({
      status: 'failed',
      claimedBy: null,
    });
  });

  it('reports a foreign document it could not mark failed, and still returns the jobs', async () => {
    const collection = await seed(1);
    await collection.insertOne({
      _id: new ObjectId(),
      name: 'work',
      status: 'pending',
      nextRunAt: new Date(0),
    } as JobDocument);
    const broken = Object.create(collection) as Collection<JobDocument>;
    const cause = new Error('write failed');
    broken.updateOne = (() => Promise.reject(cause)) as Collection<JobDocument>['updateOne'];
    const batch = await claimJobs(broken, 'work', me, 5);
    expect(batch.jobs).toHaveLength(1);
    expect(batch.errors).toEqual([expect.any(ConnectionError)]);
    expect(batch.errors[0]?.message).toMatch(/could not be marked failed/);
    expect(batch.errors[0]?.cause).toBe(cause);
  });

  it('says when its claiming write goes out, and hands back exactly one round', async () => {
    const collection = await seed(6);
    const first = new Date(Date.now() - 1000);
    const second = new Date(Date.now() - 500);
    let sent = 0;
    await claimJobs(collection, 'work', me, 2, first, () => {
      sent += 1;
    });
    await claimJobs(collection, 'work', me, 1, second, () => {
      sent += 1;
    });
    await claimJobs(collection, 'work', other, 2, first);
    expect(sent).toBe(2);
    // Only the first round of `me` goes back; the other rounds keep their claims.
    expect(
      await handBackRound(collection, { name: 'work', instanceId: 'me', lockedAt: first }),
    ).toBe(2);
    const jobs = await collection.find({}).sort({ nextRunAt: 1 }).toArray();
    expect(jobs.map((job) => [job.status, job.claimedBy])).toEqual([
      ['pending', null],
      ['pending', null],
      ['processing', 'me'],
      ['processing', 'other'],
      ['processing', 'other'],
      ['pending', null],
    ]);
    expect(jobs.every((job) => job.takeoverCount === undefined)).toBe(true);
    // A round that found nothing to claim never sent its claiming write.
    await collection.updateMany({}, { $set: { status: 'completed' } });
    await claimJobs(collection, 'work', me, 3, new Date(), () => {
      sent += 1;
    });
    expect(sent).toBe(2);
  });

  it('finds the earliest pending run of a name, due or not', async () => {
    const collection = await seed(0);
    expect(await findNextPendingRun(collection, 'work')).toBeNull();
    const soon = new Date(Date.now() + 60_000);
    const later = new Date(Date.now() + 120_000);
    await collection.insertMany(
      [later, soon].map(
        (nextRunAt) =>
          ({
            ...newJobDocument({ name: 'work', data: null, nextRunAt }, new Date()),
          }) as JobDocument,
      ),
    );
    expect(await findNextPendingRun(collection, 'work')).toEqual(soon);
    await claimJobs(collection, 'work', me, 1, new Date(Date.now() + 90_000));
    expect(await findNextPendingRun(collection, 'work')).toEqual(later);
  });
});
