import type { Collection, Document } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from '../helpers/start-test-emulator.js';

let env: TestEmulator;
beforeAll(async () => {
  env = await startTestEmulator();
});
afterAll(() => env.stop());

const db = () => env.client.db('access_paths');
const BASE = Date.UTC(2024, 0, 1);
const NOW = new Date(BASE + 500_000);

interface Job {
  _id: number;
  name: string;
  status: string;
  nextRunAt?: Date | null;
  claimedBy?: string;
  claimToken?: string;
  lastHeartbeat?: Date;
}

/** Deterministic jobs: several names, statuses, many equal `nextRunAt` (ties), null and missing. */
function seedJobs(count: number): Job[] {
  const names = ['email', 'report', 'sync'];
  const statuses = ['pending', 'pending', 'pending', 'processing', 'completed'];
  return Array.from({ length: count }, (_, i) => {
    const job: Job = {
      _id: (i * 7919) % count, // inserted out of _id order
      name: names[i % names.length] as string,
      status: statuses[(i * 3) % statuses.length] as string,
    };
    if (i % 17 === 0) job.nextRunAt = null;
    else if (i % 19 !== 0) job.nextRunAt = new Date(BASE + ((i * 37) % 600) * 1000);
    if (job.status === 'processing') {
      job.claimedBy = `w${i % 3}`;
      job.lastHeartbeat = new Date(BASE + ((i * 13) % 900) * 1000);
    }
    return job;
  });
}

/** The same data twice: with the scheduler's indexes, and with `_id` only (answers by scanning). */
async function pair(name: string, count: number): Promise<[Collection<Job>, Collection<Job>]> {
  const indexed = db().collection<Job>(`${name}_indexed`);
  const plain = db().collection<Job>(`${name}_plain`);
  await indexed.createIndex({ name: 1, status: 1, nextRunAt: 1, _id: 1 });
  await indexed.createIndex({ status: 1, lastHeartbeat: 1 });
  await indexed.createIndex({ claimToken: 1 }, { sparse: true });
  await indexed.createIndex(
    { claimedBy: 1 },
    { partialFilterExpression: { status: 'processing' } },
  );
  const jobs = seedJobs(count);
  await indexed.insertMany(jobs.map((j) => ({ ...j })));
  await plain.insertMany(jobs.map((j) => ({ ...j })));
  return [indexed, plain];
}

async function both<T>(
  collections: [Collection<Job>, Collection<Job>],
  run: (c: Collection<Job>) => Promise<T>,
): Promise<[T, T]> {
  return [await run(collections[0]), await run(collections[1])];
}

describe('index access paths through the driver (scheduler query shapes)', () => {
  it('claims due jobs in (nextRunAt, _id) order, as a scan would', async () => {
    const collections = await pair('claim', 3000);
    const jobs = seedJobs(3000);
    const due = jobs
      .filter(
        (j) =>
          j.name === 'email' &&
          j.status === 'pending' &&
          j.nextRunAt instanceof Date &&
          j.nextRunAt <= NOW,
      )
      .sort(
        (a, b) =>
          (a.nextRunAt as Date).getTime() - (b.nextRunAt as Date).getTime() || a._id - b._id,
      );
    expect(due.length).toBeGreaterThan(100);
    const claimed: number[] = [];
    for (let i = 0; i < 60; i++) {
      const [a, b] = await both(collections, (c) =>
        c.findOneAndUpdate(
          { name: 'email', status: 'pending', nextRunAt: { $lte: NOW } },
          { $set: { status: 'processing', claimedBy: 'me', claimToken: `t${i % 4}` } },
          { sort: { nextRunAt: 1, _id: 1 }, returnDocument: 'after' },
        ),
      );
      expect(a).toEqual(b);
      claimed.push(a?._id ?? -1);
    }
    expect(claimed).toEqual(due.slice(0, 60).map((j) => j._id));

    // Sort by nextRunAt alone: the index gives ties in its own order — by `_id`, its next key
    // field — as MongoDB's would; the scan, asked for that order, must agree.
    for (let i = 0; i < 20; i++) {
      const filter = { name: 'report', status: 'pending', nextRunAt: { $lte: NOW } };
      const update = { $set: { status: 'processing' } };
      const a = await collections[0].findOneAndUpdate(filter, update, { sort: { nextRunAt: 1 } });
      const b = await collections[1].findOneAndUpdate(filter, update, {
        sort: { nextRunAt: 1, _id: 1 },
      });
      expect(a).toEqual(b);
      expect(a).not.toBeNull();
    }
  });

  it('answers the claim-token, heartbeat, takeover and count shapes identically', async () => {
    const collections = await pair('shapes', 2000);
    const ids = [5, 17, 400, 401, 1999, 3, 12, 77, 1500, 2500];
    const [claimA, claimB] = await both(collections, (c) =>
      c.updateMany({ _id: { $in: ids }, status: 'pending' }, { $set: { claimToken: 'tok' } }),
    );
    expect(claimA.matchedCount).toBe(claimB.matchedCount);
    expect(claimA.matchedCount).toBeGreaterThan(0);
    const [tokA, tokB] = await both(collections, (c) => c.find({ claimToken: 'tok' }).toArray());
    expect(tokA).toEqual(tokB);
    expect(tokA.map((d) => d._id).sort((x, y) => x - y)).toEqual(
      seedJobs(2000)
        .filter((j) => ids.includes(j._id) && j.status === 'pending')
        .map((j) => j._id)
        .sort((x, y) => x - y),
    );

    const [beatA, beatB] = await both(collections, (c) =>
      c.updateMany(
        { claimedBy: 'w1', status: 'processing', _id: { $in: [...Array(300).keys()] } },
        { $set: { lastHeartbeat: NOW } },
      ),
    );
    expect(beatA.modifiedCount).toBe(beatB.modifiedCount);
    expect(beatA.modifiedCount).toBeGreaterThan(0);

    const stale = new Date(BASE + 400_000);
    const [staleA, staleB] = await both(collections, (c) =>
      c.find({ status: 'processing', lastHeartbeat: { $lt: stale } }).toArray(),
    );
    expect(staleA).toEqual(staleB);
    expect(staleA.length).toBeGreaterThan(10);
    // Read backwards from the takeover index: ties of lastHeartbeat come in reverse natural order.
    const firstA = await collections[0]
      .find({ status: 'processing', lastHeartbeat: { $lt: stale } })
      .sort({ lastHeartbeat: -1 })
      .skip(2)
      .limit(5)
      .toArray();
    const byHeartbeat = (x: Job, y: Job) =>
      (y.lastHeartbeat as Date).getTime() - (x.lastHeartbeat as Date).getTime();
    const firstB = staleB.reverse().sort(byHeartbeat).slice(2, 7);
    expect(firstA).toEqual(firstB);
    expect(firstA).toHaveLength(5);

    for (const filter of [
      { status: 'pending' },
      { name: 'sync', status: 'pending', nextRunAt: { $lte: NOW } },
      { name: 'sync', status: 'pending', nextRunAt: null },
      { name: { $in: ['sync', 'email'] }, status: 'completed' },
      { claimedBy: 'w2', status: 'processing' },
      { claimedBy: 'w2' },
      { claimToken: { $exists: false } },
    ] as Document[]) {
      const [countA, countB] = await both(collections, (c) => c.countDocuments(filter));
      expect(countA, JSON.stringify(filter)).toBe(countB);
      const [docsA, docsB] = await both(collections, (c) =>
        c.find(filter).sort({ nextRunAt: -1, _id: -1 }).limit(7).toArray(),
      );
      expect(docsA, JSON.stringify(filter)).toEqual(docsB);
    }
  });

  it('deletes, updates one and finds without sort in natural order on both', async () => {
    const collections = await pair('natural', 500);
    const [oneA, oneB] = await both(collections, (c) =>
      c.findOneAndDelete({ name: 'sync', status: 'pending' }),
    );
    expect(oneA).toEqual(oneB);
    const [updA, updB] = await both(collections, (c) =>
      c.updateOne({ status: 'completed', name: 'email' }, { $set: { touched: true } }),
    );
    expect(updA.modifiedCount).toBe(1);
    expect(updB.modifiedCount).toBe(1);
    const [touchedA, touchedB] = await both(collections, (c) =>
      c.find({ touched: true } as Document).toArray(),
    );
    expect(touchedA).toEqual(touchedB);
    const [delA, delB] = await both(collections, (c) =>
      c.deleteOne({ name: 'report', status: 'processing' }),
    );
    expect(delA.deletedCount).toBe(1);
    expect(delB.deletedCount).toBe(1);
    const [restA, restB] = await both(collections, (c) =>
      c.find({ name: 'report', status: { $in: ['processing', 'pending'] } }).toArray(),
    );
    expect(restA).toEqual(restB);
  });
});
