import type { CommandStartedEvent } from 'mongodb';
import { describe, expect, it } from 'vitest';
import type { JobDocument } from '../../../src/jobs/job.js';
import { createJobDocument } from '../../../src/testing/create-job-document.js';
import { useSchedulerHarness } from '../../setup/scheduler-harness.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;

/** Jobs of two names in known states, with times relative to `now`. */
function queue(now: number): JobDocument[] {
  const ago = (ms: number) => new Date(now - ms);
  const later = (ms: number) => new Date(now + ms);
  const job = createJobDocument;
  return [
    // alpha: 3 pending (2 due: the oldest 5 min late), 2 processing, 3 completed, 1 failed.
    job({ name: 'alpha', nextRunAt: ago(5 * MINUTE) }),
    job({ name: 'alpha', nextRunAt: ago(1 * MINUTE) }),
    job({ name: 'alpha', nextRunAt: later(10 * MINUTE) }),
    job({
      name: 'alpha',
      status: 'processing',
      nextRunAt: ago(30 * MINUTE),
      claimedBy: 'i1',
      lastHeartbeat: ago(2 * SECOND),
    }),
    job({ name: 'alpha', status: 'processing', claimedBy: 'i2', lastHeartbeat: null }),
    job({ name: 'alpha', status: 'completed', updatedAt: ago(30 * SECOND) }),
    job({ name: 'alpha', status: 'completed', updatedAt: ago(10 * MINUTE) }),
    job({ name: 'alpha', status: 'completed', updatedAt: ago(2 * 60 * MINUTE) }),
    job({ name: 'alpha', status: 'failed', nextRunAt: ago(60 * MINUTE) }),
    // beta: 1 pending not yet due, 1 processing, 1 completed in the last minute.
    job({ name: 'beta', nextRunAt: later(MINUTE) }),
    job({ name: 'beta', status: 'processing', claimedBy: 'i1', lastHeartbeat: ago(SECOND) }),
    job({ name: 'beta', status: 'completed', updatedAt: ago(5 * SECOND) }),
  ];
}

describe('getStats', () => {
  const harness = useSchedulerHarness('mgmt-stats');
  // The processing jobs below have old heartbeats: an instance recovering stale claims on
  // initialization would hand them back to pending.
  const create = () =>
    harness.create({ collectionName: harness.collectionName(), recoverStaleJobs: false });

  it('counts per name and status, with lag, recent completions and instances', async () => {
    const monque = create();
    const before = Date.now();
    await monque.collection.insertMany(queue(before));
    const stats = await monque.getStats();
    const after = Date.now();

    expect(stats.at.getTime()).toBeGreaterThanOrEqual(before);
    expect(stats.at.getTime()).toBeLessThanOrEqual(after);
    const elapsed = stats.at.getTime() - before;
    expect(stats.names.map(({ lag, ...rest }) => rest)).toEqual([
      {
        name: 'alpha',
        counts: { pending: 3, processing: 2, completed: 3, failed: 1, cancelled: 0 },
        completedLastMinute: 1,
        completedLastHour: 2,
      },
      {
        name: 'beta',
        counts: { pending: 1, processing: 1, completed: 1, failed: 0, cancelled: 0 },
        completedLastMinute: 1,
        completedLastHour: 1,
      },
    ]);
    // The oldest due pending job of alpha was due 5 minutes before `before`.
    expect(stats.names[0]?.lag).toBe(5 * MINUTE + elapsed);
    // beta's only pending job is not due yet.
    expect(stats.names[1]?.lag).toBeNull();
    expect(stats.total).toEqual({
      pending: 4,
      processing: 3,
      completed: 4,
      failed: 1,
      cancelled: 0,
    });
    expect(stats.instances).toEqual([
      { instanceId: 'i1', processing: 2, lastHeartbeat: new Date(before - SECOND) },
      { instanceId: 'i2', processing: 1, lastHeartbeat: null },
    ]);
  });

  it('limits everything to one name when asked', async () => {
    const monque = create();
    const now = Date.now();
    await monque.collection.insertMany(queue(now));
    const stats = await monque.getStats({ name: 'beta' });
    expect(stats.names.map((entry) => entry.name)).toEqual(['beta']);
    expect(stats.total).toEqual({
      pending: 1,
      processing: 1,
      completed: 1,
      failed: 0,
      cancelled: 0,
    });
    expect(stats.instances).toEqual([
      { instanceId: 'i1', processing: 1, lastHeartbeat: new Date(now - SECOND) },
    ]);
  });

  it('reads an empty queue as zeros, and works without start()', async () => {
    const monque = create();
    const stats = await monque.getStats();
    expect(stats).toEqual({
      at: stats.at,
      names: [],
      total: { pending: 0, processing: 0, completed: 0, failed: 0, cancelled: 0 },
      instances: [],
    });
  });

  it('does not count documents that are not Monque jobs', async () => {
    const monque = create();
    await monque.collection.insertMany([
      createJobDocument({ name: 'alpha' }),
      { ...createJobDocument(), status: 'archived' } as unknown as JobDocument,
      { ...createJobDocument(), name: 42 } as unknown as JobDocument,
      createJobDocument({ status: 'processing', claimedBy: null }),
    ]);
    const stats = await monque.getStats();
    expect(stats.names.map((entry) => [entry.name, entry.counts])).toEqual([
      ['alpha', { pending: 1, processing: 0, completed: 0, failed: 0, cancelled: 0 }],
      ['test-job', { pending: 0, processing: 1, completed: 0, failed: 0, cancelled: 0 }],
    ]);
    expect(stats.instances).toEqual([]);
  });
});

describe('round trips of the read methods', () => {
  const harness = useSchedulerHarness('mgmt-trips');

  it('getJob sends one find, a findJobs page one find per status, getStats two aggregates', async () => {
    const db = await harness.separateDb({ monitorCommands: true });
    const collectionName = harness.collectionName();
    const monque = harness.create({ collectionName }, db);
    await monque.initialize();
    await monque.collection.insertMany(
      Array.from({ length: 120 }, (_, i) => createJobDocument({ data: { i } })),
    );
    const commands: string[] = [];
    db.client.on('commandStarted', (event: CommandStartedEvent) => {
      if (event.commandName !== 'endSessions') commands.push(event.commandName);
    });
    const read = async (action: () => Promise<unknown>) => {
      commands.length = 0;
      await action();
      return [...commands];
    };
    const page = await monque.findJobs({ status: 'pending' }, { limit: 1000 });
    expect(page.jobs).toHaveLength(120);
    expect(await read(() => monque.findJobs({ status: 'pending' }, { limit: 1000 }))).toEqual([
      'find',
    ]);
    expect(
      await read(() => monque.findJobs({ status: ['pending', 'failed'] }, { order: 'nextRunAt' })),
    ).toEqual(['find', 'find']);
    expect(await read(() => monque.findJobs())).toEqual(['find', 'find', 'find', 'find', 'find']);
    expect(await read(() => monque.getJob(page.jobs[0]?._id ?? ''))).toEqual(['find']);
    expect(await read(() => monque.getStats())).toEqual(['aggregate', 'aggregate']);
  });
});
