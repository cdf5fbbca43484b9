import { afterEach, describe, expect, it, vi } from 'vitest';
import { InvalidCronError } from '../../src/errors.js';
import { nextEvent, useSchedulerHarness } from '../setup/scheduler-harness.js';

describe('schedule()', () => {
  const harness = useSchedulerHarness('schedule');

  afterEach(() => {
    vi.useRealTimers();
  });

  it('is idempotent by name: calling it twice keeps one job', async () => {
    const monque = harness.create({ collectionName: harness.collectionName() });
    const first = await monque.schedule('0 * * * *', 'hourly', { v: 1 });
    const second = await monque.schedule('0 * * * *', 'hourly', { v: 1 });
    expect(second._id.equals(first._id)).toBe(true);
    expect(second.updatedAt.getTime()).toBe(first.updatedAt.getTime());
    expect(await monque.collection.countDocuments({})).toBe(1);
    expect(first).toMatchObject({
      repeatInterval: '0 * * * *',
      scheduleKey: 'hourly',
      timezone: null,
    });
  });

  it('updates the pending job when the cron, time zone or data changes', async () => {
    const monque = harness.create({ collectionName: harness.collectionName() });
    const first = await monque.schedule('0 0 1 1 *', 'yearly', { v: 1 });
    const moved = await monque.schedule('0 0 1 6 *', 'yearly', { v: 1 });
    expect(moved._id.equals(first._id)).toBe(true);
    expect(moved.repeatInterval).toBe('0 0 1 6 *');
    expect(moved.nextRunAt.getUTCMonth()).toBe(5);
    const zoned = await monque.schedule(
      '0 0 1 6 *',
      'yearly',
      { v: 1 },
      { timezone: 'Asia/Tokyo' },
    );
    expect(zoned.timezone).toBe('Asia/Tokyo');
    expect(zoned.nextRunAt.getUTCHours()).toBe(15);
    const redata = await monque.schedule(
      '0 0 1 6 *',
      'yearly',
      { v: 2 },
      { timezone: 'Asia/Tokyo' },
    );
    expect(redata.data).toEqual({ v: 2 });
    expect(redata.nextRunAt.getTime()).toBe(zoned.nextRunAt.getTime());
    expect(await monque.collection.countDocuments({})).toBe(1);
  });

  it('keeps separate recurring jobs of one name apart by key', async () => {
    const monque = harness.create({ collectionName: harness.collectionName() });
    const eu = await monque.schedule('0 8 * * *', 'digest', { region: 'eu' }, { key: 'eu' });
    const us = await monque.schedule('0 8 * * *', 'digest', { region: 'us' }, { key: 'us' });
    expect(eu._id.equals(us._id)).toBe(false);
  });

  it.each(['* * *', '61 * * * *', 'abc'])(
    'rejects %j with InvalidCronError before any write',
    async (cron) => {
      const monque = harness.create({ collectionName: harness.collectionName() });
      await expect(monque.schedule(cron, 'bad', null)).rejects.toBeInstanceOf(InvalidCronError);
      const collections = await harness.db
        .listCollections({ name: monque.collection.collectionName })
        .toArray();
      expect(collections).toEqual([]);
    },
  );

  it('runs a */1 * * * * job on the minute', async () => {
    // Only Date is faked (the database and driver keep real timers); the clock advances in real
    // time from half a second before a full minute.
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    vi.setSystemTime(new Date('2031-03-04T05:06:59.500Z'));
    const monque = harness.create({ collectionName: harness.collectionName() });
    monque.worker('minutely', () => {});
    const job = await monque.schedule('*/1 * * * *', 'minutely', null);
    expect(job.nextRunAt.toISOString()).toBe('2031-03-04T05:07:00.000Z');
    await monque.start();
    const [started] = await nextEvent(monque, 'job:start');
    // Claimed for this occurrence: not before the minute, and before the next one. (How soon
    // after it falls due a job starts is the due-job watcher's, tested with fake timers.)
    expect(started.lockedAt?.getTime()).toBeGreaterThanOrEqual(
      Date.parse('2031-03-04T05:07:00.000Z'),
    );
    expect(started.lockedAt?.getTime()).toBeLessThan(Date.parse('2031-03-04T05:08:00.000Z'));
    await nextEvent(monque, 'job:complete');
    const stored = await monque.collection.findOne({ _id: job._id });
    expect(stored?.status).toBe('pending');
    expect(stored?.nextRunAt.toISOString()).toBe('2031-03-04T05:08:00.000Z');
  });
});
