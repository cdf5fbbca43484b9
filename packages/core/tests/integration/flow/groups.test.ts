import type { Collection } from 'mongodb';
import { ObjectId } from 'mongodb';
import { describe, expect, it } from 'vitest';
import type { Claimant } from '../../../src/claim/claim-job.js';
import { assignSlots, claimGroupedJobs } from '../../../src/flow/claim-grouped.js';
import { ensureJobIndexes } from '../../../src/indexes.js';
import type { JobDocument } from '../../../src/jobs/job.js';
import type { Monque } from '../../../src/monque.js';
import { newJobDocument } from '../../../src/scheduling/new-job.js';
import { useSchedulerHarness } from '../../setup/scheduler-harness.js';

const me: Claimant = { instanceId: 'me', heartbeatInterval: 1000 };

/** A due pending job of `sync` in group `key` (the `i`-th due). */
function job(key: string, i: number): JobDocument {
  return {
    ...newJobDocument(
      { name: 'sync', data: { i }, nextRunAt: new Date(Date.now() - 1000 + i), groupKey: key },
      new Date(),
    ),
    _id: new ObjectId(),
  } as JobDocument;
}

/** Resolves once `count` jobs have completed on `instances` together. */
function completions(instances: readonly Monque[], count: number): Promise<void> {
  let seen = 0;
  return new Promise((resolve) => {
    for (const instance of instances) {
      instance.on('job:complete', () => {
        seen += 1;
        if (seen === count) resolve();
      });
    }
  });
}

describe('groups (groupKey and groupConcurrency)', () => {
  const harness = useSchedulerHarness('flow-groups');

  it('runs one job per group at a time across three instances, in order within each group', async () => {
    const collectionName = harness.collectionName();
    const producer = harness.create({ collectionName });
    const keys = 5;
    const perKey = 12;
    const base = Date.now() - 60_000;
    await producer.enqueueMany(
      Array.from({ length: keys * perKey }, (_, i) => ({
        name: 'sync',
        data: { key: `k${i % keys}`, seq: Math.floor(i / keys) },
        options: { groupKey: `k${i % keys}`, runAt: new Date(base + i) },
      })),
    );
    const running = new Map<string, number>();
    const order = new Map<string, number[]>();
    const overlaps: string[] = [];
    const instances = [0, 1, 2].map(() => harness.create({ collectionName }));
    const done = completions(instances, keys * perKey);
    for (const instance of instances) {
      instance.worker(
        'sync',
        async (job) => {
          const { key, seq } = job.data as { key: string; seq: number };
          const now = (running.get(key) ?? 0) + 1;
          running.set(key, now);
          if (now > 1) overlaps.push(`${key}#${seq}`);
          order.set(key, [...(order.get(key) ?? []), seq]);
          await new Promise((resolve) => setTimeout(resolve, 2));
          running.set(key, (running.get(key) ?? 1) - 1);
        },
        { concurrency: 4, groupConcurrency: 1 },
      );
    }
    await Promise.all(instances.map((instance) => instance.start()));
    await done;
    expect(overlaps).toEqual([]);
    for (let k = 0; k < keys; k += 1) {
      expect(order.get(`k${k}`)).toEqual(Array.from({ length: perKey }, (_, i) => i));
    }
    // Every slot was released with its job.
    expect(await producer.collection.countDocuments({ groupSlot: { $ne: null } })).toBe(0);
  });

  it('runs up to K jobs of a group at once, and jobs without a group freely', async () => {
    const collectionName = harness.collectionName();
    const producer = harness.create({ collectionName });
    const release = new Map<string, () => void>();
    const started: string[] = [];
    const instances = [0, 1, 2].map(() => harness.create({ collectionName }));
    let onStart: (() => void) | undefined;
    const startsReach = (count: number) =>
      new Promise<void>((resolve) => {
        onStart = () => {
          if (started.length >= count) resolve();
        };
        onStart();
      });
    for (const instance of instances) {
      instance.worker(
        'sync',
        (job) =>
          new Promise<void>((resolve) => {
            const { id } = job.data as { id: string };
            started.push(id);
            release.set(id, resolve);
            onStart?.();
          }),
        { concurrency: 5, groupConcurrency: 2 },
      );
    }
    await Promise.all(instances.map((instance) => instance.start()));
    for (const id of ['a1', 'a2', 'a3']) {
      await producer.enqueue('sync', { id }, { groupKey: 'a' });
    }
    await producer.enqueue('sync', { id: 'free1' });
    await producer.enqueue('sync', { id: 'free2' });
    await startsReach(4);
    // Two of group a, and the jobs without a group; a3 waits for a slot of its group.
    expect(started.filter((id) => id.startsWith('a')).sort()).toEqual(['a1', 'a2']);
    const held = await producer.collection
      .find({ groupKey: 'a', status: 'processing' }, { projection: { groupSlot: 1 } })
      .toArray();
    expect(held.map((job) => job.groupSlot).sort()).toEqual([0, 1]);
    const all = completions(instances, 5);
    release.get('a1')?.();
    await startsReach(5);
    expect(started[4]).toBe('a3');
    for (const resolve of release.values()) resolve();
    await all;
  });

  it('leaves a job pending when another instance took its slot between the read and the claim', async () => {
    const collection = harness.db.collection<JobDocument>(harness.collectionName());
    await ensureJobIndexes(collection);
    await collection.insertMany([job('a', 0), job('b', 1)]);
    // Just before the claim's write, another instance's job of group a takes slot 0.
    const racing = Object.create(collection) as Collection<JobDocument>;
    racing.bulkWrite = (async (...args: Parameters<Collection<JobDocument>['bulkWrite']>) => {
      await collection.insertOne({
        ...job('a', 9),
        status: 'processing',
        claimedBy: 'other',
        groupSlot: 0,
      });
      return collection.bulkWrite(...args);
    }) as Collection<JobDocument>['bulkWrite'];
    const batch = await claimGroupedJobs(racing, 'sync', me, 5, 1, new Date());
    expect(batch.jobs.map((claimed) => claimed.groupKey)).toEqual(['b']);
    expect(batch.more).toBe(true);
    expect(
      await collection.countDocuments({ groupKey: 'a', status: 'pending', claimedBy: null }),
    ).toBe(1);
  });

  it('assigns the lowest free slot of each group in claim order, and skips full groups', () => {
    const id = () => new ObjectId();
    const candidates = [
      { _id: id(), groupKey: 'a' },
      { _id: id(), groupKey: 'a' },
      { _id: id() },
      { _id: id(), groupKey: 'b' },
      { _id: id(), groupKey: 'a' },
    ];
    const held = new Map([['a', new Set([0])]]);
    const assigned = assignSlots(candidates, held, 2, 10);
    expect(assigned.map(({ slot }) => slot)).toEqual([1, null, 0]);
    expect(assigned.map(({ _id }) => _id)).toEqual([
      candidates[0]?._id,
      candidates[2]?._id,
      candidates[3]?._id,
    ]);
    expect(assignSlots(candidates, new Map(), 1, 2).map(({ slot }) => slot)).toEqual([0, null]);
    // The map read from the database is not changed.
    expect(held.get('a')).toEqual(new Set([0]));
  });

  it('picks up what a round claimed when its bulkWrite reply is lost, and rethrows when it claimed nothing', async () => {
    const collection = harness.db.collection<JobDocument>(harness.collectionName());
    await ensureJobIndexes(collection);
    await collection.insertMany([job('a', 0), job('b', 1)]);
    const lost = new Error('connection reset');
    const landsThenFails = Object.create(collection) as Collection<JobDocument>;
    landsThenFails.bulkWrite = (async (
      ...args: Parameters<Collection<JobDocument>['bulkWrite']>
    ) => {
      await collection.bulkWrite(...args);
      throw lost;
    }) as Collection<JobDocument>['bulkWrite'];
    const batch = await claimGroupedJobs(landsThenFails, 'sync', me, 5, 1, new Date());
    expect(batch.jobs.map((claimed) => claimed.groupKey).sort()).toEqual(['a', 'b']);
    expect(batch.errors[0]?.message).toMatch(/could not confirm a claim of jobs/);

    await collection.insertOne(job('c', 2));
    for (const thrown of [lost, 'not an Error']) {
      const failsBefore = Object.create(collection) as Collection<JobDocument>;
      failsBefore.bulkWrite = (async () => {
        throw thrown;
      }) as Collection<JobDocument>['bulkWrite'];
      await expect(claimGroupedJobs(failsBefore, 'sync', me, 5, 1, new Date())).rejects.toBe(
        thrown,
      );
    }
    // A document with a slot and no group (not written by Monque) holds no group's slot.
    await collection.insertOne({
      ...job('x', 9),
      groupKey: undefined,
      status: 'processing',
      groupSlot: 0,
    } as unknown as JobDocument);
    // Groups a and b are full: c is the only candidate; with c's group full too, nothing is due.
    const held = await claimGroupedJobs(collection, 'sync', me, 5, 1, new Date());
    expect(held.jobs.map((claimed) => claimed.groupKey)).toEqual(['c']);
    await collection.insertOne(job('c', 3));
    expect(await claimGroupedJobs(collection, 'sync', me, 5, 1, new Date())).toEqual({
      jobs: [],
      errors: [],
      more: false,
    });
  });
});
