import { describe, expect, it } from 'vitest';
import type { Monque } from '../../../src/monque.js';
import { nextEvent, useSchedulerHarness } from '../../setup/scheduler-harness.js';
import { interceptedDb, passThrough } from '../support/intercepted-db.js';

/** Resolves once `monque` has no job running. */
async function idle(monque: Monque): Promise<void> {
  while (monque.inFlightCount > 0) await nextEvent(monque, 'job:complete');
}

describe('pause and resume', () => {
  const harness = useSchedulerHarness('flow-pause');

  it('reaches every running instance through the change stream, and resume runs the jobs', async () => {
    const collectionName = harness.collectionName();
    // Polls far apart: only the change stream on the control collection can tell the instances.
    const slow = { collectionName, pollInterval: 60_000, backupPollInterval: 60_000 };
    const instances = [0, 1, 2].map(() => harness.create(slow));
    const ran: string[] = [];
    for (const instance of instances) {
      instance.worker('job', (job) => {
        ran.push((job.data as { id: string }).id);
      });
      await instance.start();
    }
    const caller = harness.create({ collectionName });
    const learned = instances.map((instance) => nextEvent(instance, 'queue:paused'));
    const own = nextEvent(caller, 'queue:paused');
    await caller.pause('job');
    expect(await own).toEqual([{ name: 'job' }]);
    expect(await Promise.all(learned)).toEqual([
      [{ name: 'job' }],
      [{ name: 'job' }],
      [{ name: 'job' }],
    ]);
    expect(await caller.isPaused('job')).toBe(true);
    expect(await caller.isPaused('other')).toBe(false);
    expect(await caller.isPaused()).toBe(false);

    await caller.enqueue('job', { id: 'while-paused' });
    const resumed = instances.map((instance) => nextEvent(instance, 'queue:resumed'));
    const completed = Promise.race(
      instances.map((instance) => nextEvent(instance, 'job:complete')),
    );
    expect(ran).toEqual([]);
    await caller.resume('job');
    expect(await Promise.all(resumed)).toEqual([
      [{ name: 'job' }],
      [{ name: 'job' }],
      [{ name: 'job' }],
    ]);
    await completed;
    expect(ran).toEqual(['while-paused']);
  });

  it('lets a claim already on its way start its jobs, then claims nothing until resumed (three instances)', async () => {
    const collectionName = harness.collectionName();
    const producer = harness.create({ collectionName });
    const total = 300;
    await producer.enqueueMany(
      Array.from({ length: total }, (_, i) => ({ name: 'job', data: { i } })),
    );
    const instances = [0, 1, 2].map(() => harness.create({ collectionName }));
    const concurrency = 4;
    const startedAfterLearning = [0, 0, 0];
    const learnedPause = [false, false, false];
    let started = 0;
    let firstStart!: () => void;
    const someStarted = new Promise<void>((resolve) => {
      firstStart = resolve;
    });
    for (const [index, instance] of instances.entries()) {
      instance.worker('job', () => new Promise((resolve) => setTimeout(resolve, 5)), {
        concurrency,
      });
      instance.worker(`probe-${index}`, () => {});
      instance.on('job:start', (job) => {
        if (job.name !== 'job') return;
        started += 1;
        firstStart();
        if (learnedPause[index] === true)
          startedAfterLearning[index] = (startedAfterLearning[index] ?? 0) + 1;
      });
      instance.on('queue:paused', () => {
        learnedPause[index] = true;
      });
    }
    await Promise.all(instances.map((instance) => instance.start()));
    await someStarted;
    // The pause arrives while the instances are claiming and running jobs.
    const learned = instances.map((instance) => nextEvent(instance, 'queue:paused'));
    await producer.pause('job');
    await Promise.all(learned);
    // New jobs notify every instance; a probe enqueued after them, one per instance, completes
    // only once that instance has handled the notifications before it.
    let added = 0;
    const notifyAndProbe = async () => {
      await producer.enqueueMany(
        Array.from({ length: 10 }, (_, i) => ({ name: 'job', data: { late: i } })),
      );
      added += 10;
      await Promise.all(
        instances.map(async (instance, index) => {
          const probe = `probe-${index}`;
          const done = new Promise<void>((resolve) => {
            const listener = ({ job }: { job: { name: string } }) => {
              if (job.name !== probe) return;
              instance.off('job:complete', listener);
              resolve();
            };
            instance.on('job:complete', listener);
          });
          await producer.enqueue(probe, null);
          await done;
        }),
      );
    };
    await notifyAndProbe();
    await Promise.all(instances.map(idle));
    // Claims sent before an instance learned of the pause have answered by now.
    const startedWhilePaused = started;
    await notifyAndProbe();
    expect(started).toBe(startedWhilePaused);
    // What an instance had claimed when it learned of the pause still starts: one claim round on
    // its way (up to its concurrency) and the jobs it held claimed ahead (concurrency − 1).
    for (const count of startedAfterLearning) {
      expect(count).toBeLessThanOrEqual(2 * concurrency - 1);
    }
    expect(started).toBeLessThan(total);
    expect(await producer.collection.countDocuments({ status: 'processing' })).toBe(0);

    let completed = await producer.collection.countDocuments({ name: 'job', status: 'completed' });
    const allDone = new Promise<void>((resolve) => {
      for (const instance of instances) {
        instance.on('job:complete', ({ job }) => {
          if (job.name === 'job') completed += 1;
          if (completed === total + added) resolve();
        });
      }
    });
    await producer.resume('job');
    await allDone;
    expect(await producer.collection.countDocuments({ name: 'job', status: 'completed' })).toBe(
      total + added,
    );
  });

  it('survives a restart: an instance started later reads the pause and claims nothing', async () => {
    const collectionName = harness.collectionName();
    const admin = harness.create({ collectionName });
    await admin.pause();
    await admin.enqueue('job', null);
    const instance = harness.create({ collectionName });
    let ran = 0;
    instance.worker('job', () => {
      ran += 1;
    });
    instance.worker('probe', () => {});
    const paused = nextEvent(instance, 'queue:paused');
    await instance.start();
    expect(await paused).toEqual([{ name: null }]);
    expect(await admin.isPaused()).toBe(true);
    expect(await admin.isPaused('job')).toBe(true);
    // All names are paused: not even the probe runs.
    const probe = await admin.enqueue('probe', null);
    await admin.pause('job');
    const resumed = nextEvent(instance, 'queue:resumed');
    await admin.resume();
    expect(await resumed).toEqual([{ name: null }]);
    // `resume()` ends the pause of all names; `job`, paused by name, stays paused.
    const probed = await nextEvent(instance, 'job:complete');
    expect(probed[0].job._id).toEqual(probe.job._id);
    expect(ran).toBe(0);
    expect(await admin.isPaused('job')).toBe(true);
    const completed = nextEvent(instance, 'job:complete');
    await admin.resume('job');
    await completed;
    expect(ran).toBe(1);
  });

  it('learns of a pause within one pollInterval when change streams are unavailable', async () => {
    const collectionName = harness.collectionName();
    const unsupported = Object.assign(
      new Error('The $changeStream stage is only supported on replica sets'),
      {
        code: 40573,
      },
    );
    const db = interceptedDb(harness.db, (collection, method, args) => {
      if (method === 'watch') {
        // A stream whose first read fails as a standalone server answers.
        return {
          tryNext: () => Promise.reject(unsupported),
          close: () => Promise.resolve(),
        };
      }
      return passThrough(collection, method, args);
    });
    const instance = harness.create({ collectionName, pollInterval: 50 }, db);
    instance.worker('job', () => {});
    await instance.start();
    const caller = harness.create({ collectionName });
    const learned = nextEvent(instance, 'queue:paused');
    await caller.pause('job');
    expect(await learned).toEqual([{ name: 'job' }]);
  });

  it('does not start when the pauses in force cannot be read', async () => {
    const lost = Object.assign(new Error('connection reset'), { name: 'MongoNetworkError' });
    const db = interceptedDb(harness.db, (collection, method, args) => {
      if (method === 'find' && collection.collectionName.endsWith('_control')) {
        return { toArray: () => Promise.reject(lost) };
      }
      return passThrough(collection, method, args);
    });
    const instance = harness.create({ collectionName: harness.collectionName() }, db);
    instance.worker('job', () => {});
    await expect(instance.start()).rejects.toThrow(/could not read the pauses in force/);
    expect(instance.isHealthy()).toBe(false);
  });

  it('refuses a bad name before anything is written', async () => {
    const monque = harness.create({ collectionName: harness.collectionName() });
    for (const bad of ['', { $ne: null }, 'x'.repeat(300)]) {
      await expect(monque.pause(bad as never)).rejects.toThrow(/name/);
      await expect(monque.resume(bad as never)).rejects.toThrow(/name/);
      await expect(monque.isPaused(bad as never)).rejects.toThrow(/name/);
    }
    const control = harness.db.collection(`${monque.collection.collectionName}_control`);
    expect(await control.countDocuments()).toBe(0);
  });
});
