import { describe, expect, it } from 'vitest';
import { createJobDocument } from '../../src/testing/create-job-document.js';
import { useSchedulerHarness } from '../setup/scheduler-harness.js';

/** A recurring job as stored before schedules had a key of their own: its key in `uniqueKey`. */
function legacyRecurringJob(name: string, key: string, data: unknown) {
  return createJobDocument({
    name,
    data,
    nextRunAt: new Date(Date.now() + 3_600_000),
    repeatInterval: '0 * * * *',
    uniqueKey: key,
  });
}

describe('a duplicate enqueue is told apart', () => {
  const harness = useSchedulerHarness('duplicates');

  it('created: true for a new job, false for a duplicate uniqueKey, whose data and runAt were not stored', async () => {
    const monque = harness.create({ collectionName: harness.collectionName() });
    const tomorrow = new Date(Date.now() + 86_400_000);
    const first = await monque.enqueue('report', { v: 1 }, { uniqueKey: 'k', runAt: tomorrow });
    expect(first.created).toBe(true);
    const again = await monque.enqueue('report', { v: 2 }, { uniqueKey: 'k' });
    expect(again.created).toBe(false);
    expect(again.job._id.equals(first.job._id)).toBe(true);
    expect(again.job).toMatchObject({ data: { v: 1 }, nextRunAt: tomorrow });
    expect(await monque.collection.countDocuments({})).toBe(1);
    // Without a uniqueKey every call adds a job.
    expect((await monque.enqueue('report', { v: 3 })).created).toBe(true);
    expect((await monque.now('report', { v: 4 })).created).toBe(true);
    expect(await monque.collection.countDocuments({})).toBe(3);
  });

  it('of many concurrent enqueues with one uniqueKey, exactly one is created', async () => {
    const monque = harness.create({ collectionName: harness.collectionName() });
    await monque.initialize();
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => monque.enqueue('sync', { i }, { uniqueKey: 'one' })),
    );
    expect(results.filter((result) => result.created)).toHaveLength(1);
    const ids = new Set(results.map((result) => result.job._id.toHexString()));
    expect(ids.size).toBe(1);
  });
});

describe("schedules' keys are not enqueue's", () => {
  const harness = useSchedulerHarness('schedule-keys');

  it("a schedule's default key (its name) never answers enqueue's uniqueKey, in either order", async () => {
    const monque = harness.create({ collectionName: harness.collectionName() });
    const recurring = await monque.schedule('0 * * * *', 'report', { kind: 'cron' });
    const oneOff = await monque.enqueue('report', { kind: 'once' }, { uniqueKey: 'report' });
    expect(oneOff.created).toBe(true);
    expect(oneOff.job._id.equals(recurring._id)).toBe(false);
    expect(oneOff.job).toMatchObject({ repeatInterval: null, data: { kind: 'once' } });

    const other = harness.create({ collectionName: harness.collectionName() });
    const first = await other.enqueue('digest', { kind: 'once' }, { uniqueKey: 'digest' });
    const cron = await other.schedule('0 8 * * *', 'digest', { kind: 'cron' });
    expect(cron._id.equals(first.job._id)).toBe(false);
    expect(cron).toMatchObject({ repeatInterval: '0 8 * * *', data: { kind: 'cron' } });
    expect(await other.collection.countDocuments({})).toBe(2);
  });

  it('a schedule key given explicitly is kept apart from an equal uniqueKey too', async () => {
    const monque = harness.create({ collectionName: harness.collectionName() });
    const recurring = await monque.schedule('0 8 * * *', 'digest', null, { key: 'eu' });
    expect(recurring).toMatchObject({ scheduleKey: 'eu' });
    expect(recurring.uniqueKey).toBeUndefined();
    const oneOff = await monque.enqueue('digest', null, { uniqueKey: 'eu' });
    expect(oneOff.created).toBe(true);
    expect(oneOff.job._id.equals(recurring._id)).toBe(false);
    // And the schedule is still found by its key.
    const again = await monque.schedule('0 9 * * *', 'digest', null, { key: 'eu' });
    expect(again._id.equals(recurring._id)).toBe(true);
  });

  it('adopts a recurring job stored with its key in uniqueKey: same job, key moved', async () => {
    const monque = harness.create({ collectionName: harness.collectionName() });
    await monque.initialize();
    const legacy = legacyRecurringJob('report', 'report', { v: 1 });
    const named = legacyRecurringJob('digest', 'eu', null);
    // A one-off job whose uniqueKey equals a schedule's name is not a schedule: not adopted.
    const { repeatInterval: _, ...oneOffFields } = legacyRecurringJob('cleanup', 'cleanup', null);
    const oneOff = { ...oneOffFields, repeatInterval: null };
    await monque.collection.insertMany([legacy, named, oneOff]);

    const adopted = await monque.schedule('0 * * * *', 'report', { v: 1 });
    expect(adopted._id.equals(legacy._id)).toBe(true);
    expect(adopted.nextRunAt).toEqual(legacy.nextRunAt);
    const stored = await monque.collection.findOne({ _id: legacy._id });
    expect(stored).toMatchObject({ scheduleKey: 'report' });
    expect(stored).not.toHaveProperty('uniqueKey');
    const adoptedByKey = await monque.schedule('0 8 * * *', 'digest', null, { key: 'eu' });
    expect(adoptedByKey._id.equals(named._id)).toBe(true);
    const cleanup = await monque.schedule('0 3 * * *', 'cleanup', null);
    expect(cleanup._id.equals(oneOff._id)).toBe(false);
    expect(await monque.collection.findOne({ _id: oneOff._id })).toMatchObject({
      uniqueKey: 'cleanup',
    });
    expect(await monque.collection.countDocuments({})).toBe(4);
    // Once adopted, the name is free for enqueue's keys.
    expect((await monque.enqueue('report', null, { uniqueKey: 'report' })).created).toBe(true);
  });
});
