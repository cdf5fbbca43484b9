import type { Collection } from 'mongodb';
import { describe, expect, it } from 'vitest';
import type { ControlDocument, RateWindowDocument } from '../../../src/flow/control-collection.js';
import { giveBackStarts, takeStarts } from '../../../src/flow/rate-window.js';
import type { Monque } from '../../../src/monque.js';
import { nextEvent, useSchedulerHarness } from '../../setup/scheduler-harness.js';
import { interceptedDb, passThrough } from '../support/intercepted-db.js';

/** A window far longer than any test: nothing leaves it while the test runs. */
const long = { max: 5, duration: 600_000 };

describe('rate limits', () => {
  const harness = useSchedulerHarness('flow-rate');

  function control(): Collection<ControlDocument> {
    return harness.db.collection<ControlDocument>(`${harness.collectionName()}_control`);
  }

  it('never grants more than max starts within duration, and says when one is free again', async () => {
    const collection = control();
    expect(await takeStarts(collection, 'a', 3, long)).toMatchObject({ granted: 3 });
    expect(await takeStarts(collection, 'a', 3, long)).toMatchObject({ granted: 2 });
    const full = await takeStarts(collection, 'a', 1, long);
    expect(full.granted).toBe(0);
    expect(full.retryIn).toBeGreaterThan(0);
    expect(full.retryIn).toBeLessThanOrEqual(long.duration + 1);
    // Other names have windows of their own.
    expect(await takeStarts(collection, 'b', 9, long)).toMatchObject({ granted: 5 });
    const window = (await collection.findOne({ _id: 'rate:a' })) as RateWindowDocument | null;
    expect(window?.starts).toHaveLength(5);
  });

  it('counts only the starts within duration, on the server clock', async () => {
    const collection = control();
    const short = { max: 2, duration: 1 };
    expect(await takeStarts(collection, 'a', 2, short)).toMatchObject({ granted: 2 });
    // Once the server's clock has moved on by more than 1 ms, both starts have left the window.
    let granted = 0;
    while (granted === 0) ({ granted } = await takeStarts(collection, 'a', 2, short));
    expect(granted).toBe(2);
  });

  it("takes back a round's unused starts, not other rounds' starts", async () => {
    const collection = control();
    const mine = await takeStarts(collection, 'a', 3, long);
    let theirs = await takeStarts(collection, 'a', 2, long);
    // Taken in a later millisecond than mine, so that the two can be told apart.
    while (theirs.at.getTime() === mine.at.getTime()) {
      await giveBackStarts(collection, 'a', 2, theirs.at);
      theirs = await takeStarts(collection, 'a', 2, long);
    }
    await giveBackStarts(collection, 'a', 2, mine.at);
    const window = (await collection.findOne({ _id: 'rate:a' })) as RateWindowDocument | null;
    expect(window?.starts).toEqual([mine.at, theirs.at, theirs.at]);
    expect(await takeStarts(collection, 'a', 5, long)).toMatchObject({ granted: 2 });
    await giveBackStarts(collection, 'absent', 1, mine.at);
    expect(await collection.countDocuments({ _id: 'rate:absent' })).toBe(0);
  });

  it('shares one limit between three instances: max starts, then none until the window reopens', async () => {
    const collectionName = harness.collectionName();
    const producer = harness.create({ collectionName });
    await producer.enqueueMany(
      Array.from({ length: 12 }, (_, i) => ({ name: 'call', data: { i } })),
    );
    let calls = 0;
    const instances: Monque[] = [0, 1, 2].map(() => harness.create({ collectionName }));
    for (const [index, instance] of instances.entries()) {
      instance.worker(
        'call',
        () => {
          calls += 1;
        },
        { concurrency: 10, rateLimit: { max: 4, duration: 600_000 } },
      );
      instance.worker(`probe-${index}`, () => {});
    }
    await Promise.all(instances.map((instance) => instance.start()));
    // A probe per instance, enqueued after the jobs, completes once that instance has claimed.
    await Promise.all(
      instances.map(async (instance, index) => {
        const probe = `probe-${index}`;
        const done = new Promise<void>((resolve) => {
          instance.on('job:complete', ({ job }) => {
            if (job.name === probe) resolve();
          });
        });
        await producer.enqueue(probe, null);
        await done;
      }),
    );
    expect(calls).toBe(4);
    expect(await producer.collection.countDocuments({ name: 'call', status: 'pending' })).toBe(8);
  });

  it('wakes when the window reopens, without polling meanwhile', async () => {
    const collectionName = harness.collectionName();
    const producer = harness.create({ collectionName });
    const jobs = 12;
    await producer.enqueueMany(
      Array.from({ length: jobs }, (_, i) => ({ name: 'call', data: { i } })),
    );
    const db = await harness.separateDb({ monitorCommands: true });
    // Takes of the window: a few per round and wake-up, never a loop while it is full.
    let takes = 0;
    db.client.on('commandStarted', (event) => {
      if (
        event.commandName === 'findAndModify' &&
        String(event.command.query?._id).startsWith('rate:')
      ) {
        takes += 1;
      }
    });
    const instances: Monque[] = [0, 1, 2].map(() => harness.create({ collectionName }, db));
    let completed = 0;
    const done = new Promise<void>((resolve) => {
      for (const instance of instances) {
        instance.worker('call', () => {}, {
          concurrency: 10,
          rateLimit: { max: 4, duration: 300 },
        });
        instance.on('job:complete', () => {
          completed += 1;
          if (completed === jobs) resolve();
        });
      }
    });
    await Promise.all(instances.map((instance) => instance.start()));
    await done;
    // 3 windows of 4 starts; each instance takes when notified and when its timer fires.
    expect(takes).toBeLessThan(60);
  });

  it('reports starts it could not give back, and runs the job all the same', async () => {
    const collectionName = harness.collectionName();
    const refused = new Error('give-back refused');
    const db = interceptedDb(harness.db, (collection, method, args) => {
      if (method === 'updateOne' && collection.collectionName.endsWith('_control')) {
        return Promise.reject(refused);
      }
      return passThrough(collection, method, args);
    });
    const instance = harness.create({ collectionName }, db);
    instance.worker('call', () => {}, { concurrency: 5, rateLimit: { max: 10, duration: 1000 } });
    const reported = nextEvent(instance, 'job:error');
    // Every later round's give-back fails too: heard here.
    instance.on('job:error', () => {});
    const completed = nextEvent(instance, 'job:complete');
    await instance.enqueue('call', null);
    await instance.start();
    const [{ error }] = await reported;
    expect(error.message).toMatch(/could not give back unused starts of "call"/);
    await completed;
  });
});
