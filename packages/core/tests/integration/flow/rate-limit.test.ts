import { describe, expect, it } from 'vitest';
import type { RateWindowDocument } from '../../../src/flow/control-collection.js';
import { giveBackStarts, takeStarts } from '../../../src/flow/rate-window.js';
import type { Monque } from '../../../src/monque.js';
import { useSchedulerHarness } from '../../setup/scheduler-harness.js';

const limit = { max: 5, duration: 1000 };
const at = (ms: number) => new Date(Date.UTC(2030, 0, 1) + ms);

describe('rate limits', () => {
  const harness = useSchedulerHarness('flow-rate');

  function control() {
    return harness.db.collection(`${harness.collectionName()}_control`) as never;
  }

  it('never grants more than max starts in any span of duration ms', async () => {
    const collection = control();
    expect(await takeStarts(collection, 'a', 3, limit, at(0))).toEqual({ granted: 3 });
    expect(await takeStarts(collection, 'a', 3, limit, at(400))).toEqual({ granted: 2 });
    // Full until the first start, at 0, leaves the window (1000 ms later).
    expect(await takeStarts(collection, 'a', 1, limit, at(999))).toEqual({
      granted: 0,
      retryAt: at(1001),
    });
    expect(await takeStarts(collection, 'a', 5, limit, at(1001))).toEqual({ granted: 3 });
    expect(await takeStarts(collection, 'a', 5, limit, at(1401))).toEqual({ granted: 2 });
    // Other names have windows of their own.
    expect(await takeStarts(collection, 'b', 9, limit, at(1401))).toEqual({ granted: 5 });
  });

  it('keeps counting the latest max starts, whatever the clock of the instance asking', async () => {
    const collection = control();
    // An instance whose clock runs ahead takes all 5 starts at 10 000.
    expect(await takeStarts(collection, 'a', 5, limit, at(10_000))).toEqual({ granted: 5 });
    // One behind it (at 9 500) must not prune them or get a start of its own.
    const behind = await takeStarts(collection, 'a', 1, limit, at(9500));
    expect(behind.granted).toBe(0);
  });

  it('takes back unused starts so that they do not count', async () => {
    const collection = control();
    await takeStarts(collection, 'a', 5, limit, at(0));
    await giveBackStarts(collection, 'a', 3, at(0));
    expect(await takeStarts(collection, 'a', 5, limit, at(1))).toEqual({ granted: 3 });
    await giveBackStarts(collection, 'absent', 1, at(0));
    await giveBackStarts(collection, 'a', 1, at(77));
    const window = (await (collection as { findOne: (f: unknown) => Promise<unknown> }).findOne({
      _id: 'rate:a',
    })) as RateWindowDocument;
    expect(window.starts).toHaveLength(5);
  });

  it('shares one limit between three instances, and sleeps until the window reopens', async () => {
    const collectionName = harness.collectionName();
    const producer = harness.create({ collectionName });
    const jobs = 12;
    await producer.enqueueMany(
      Array.from({ length: jobs }, (_, i) => ({ name: 'call', data: { i } })),
    );
    const lockedAt: number[] = [];
    const db = await harness.separateDb({ monitorCommands: true });
    // Reads of the window: a few per round, never a loop while it is full.
    let windowReads = 0;
    db.client.on('commandStarted', (event) => {
      if (event.commandName === 'find' && String(event.command.filter?._id).startsWith('rate:')) {
        windowReads += 1;
      }
    });
    const instances: Monque[] = [0, 1, 2].map(() => harness.create({ collectionName }, db));
    const done = new Promise<void>((resolve) => {
      for (const instance of instances) {
        instance.worker(
          'call',
          (job) => {
            lockedAt.push(job.lockedAt?.getTime() ?? Number.NaN);
          },
          { concurrency: 10, rateLimit: { max: 4, duration: 300 } },
        );
        instance.on('job:complete', () => {
          if (lockedAt.length === jobs) resolve();
        });
      }
    });
    await Promise.all(instances.map((instance) => instance.start()));
    await done;
    expect(lockedAt).toHaveLength(jobs);
    // 3 windows of 4 starts: each instance reads the window when it claims and when it wakes.
    expect(windowReads).toBeLessThan(60);
    lockedAt.sort((a, b) => a - b);
    // Any 5 consecutive starts span at least one window (their claim times, on one clock).
    for (let i = 4; i < lockedAt.length; i += 1) {
      expect((lockedAt[i] as number) - (lockedAt[i - 4] as number)).toBeGreaterThanOrEqual(300);
    }
  });
});
