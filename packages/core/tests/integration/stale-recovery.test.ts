import { ObjectId } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { recoverStaleJobs } from '../../src/heartbeat/heartbeat-queries.js';
import type { JobDocument } from '../../src/jobs/job.js';
import { newJobDocument } from '../../src/scheduling/new-job.js';
import { useSchedulerHarness } from '../setup/scheduler-harness.js';

describe('stale recovery', () => {
  const harness = useSchedulerHarness('stale');

  it("waits for max(lockTimeout, 2 × the claimant's heartbeatInterval) without a heartbeat", async () => {
    const collection = harness.db.collection<JobDocument>(harness.collectionName());
    const now = new Date();
    const ago = (ms: number) => new Date(now.getTime() - ms);
    const claimed = (label: string, lastHeartbeat: Date, heartbeatInterval: number | null) =>
      ({
        ...newJobDocument({ name: 'work', data: { label }, nextRunAt: ago(60_000) }, ago(60_000)),
        _id: new ObjectId(),
        status: 'processing',
        claimedBy: 'someone',
        lockedAt: ago(60_000),
        lastHeartbeat,
        heartbeatInterval,
      }) as JobDocument;
    await collection.insertMany([
      // Beats every 5 s, last 2 s ago: alive for 10 s, whatever the recoverer's lockTimeout.
      claimed('slow-beat-alive', ago(2000), 5000),
      // Beats every 5 s, last 11 s ago: stale.
      claimed('slow-beat-stale', ago(11_000), 5000),
      // Beats every 200 ms, last 2 s ago: stale by the recoverer's 1 s lockTimeout.
      claimed('fast-beat-stale', ago(2000), 200),
      // Beats every 200 ms, last 500 ms ago: within the recoverer's lockTimeout.
      claimed('fast-beat-alive', ago(500), 200),
      // No stored interval (claimed by other software): the lockTimeout alone decides.
      claimed('no-interval-stale', ago(2000), null),
    ]);

    expect(await recoverStaleJobs(collection, 1000, now)).toBe(3);
    const pending = await collection.find({ status: 'pending' }).toArray();
    expect(pending.map((job) => (job.data as { label: string }).label).sort()).toEqual([
      'fast-beat-stale',
      'no-interval-stale',
      'slow-beat-stale',
    ]);
    expect(pending.every((job) => job.claimedBy === null && job.failCount === 0)).toBe(true);
  });
});
