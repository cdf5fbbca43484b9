import { describe, expect, it } from 'vitest';
import { pendingCancelSet } from '../../src/management/cancel-job.js';
import { cancelledSet } from '../../src/processing/cancel-outcome.js';
import { createJobDocument } from '../../src/testing/create-job-document.js';

const now = new Date('2030-01-01T10:15:00Z');
const released = {
  claimedBy: null,
  lockedAt: null,
  lastHeartbeat: null,
  heartbeatInterval: null,
  groupSlot: null,
};

describe('cancelledSet', () => {
  it('cancels a one-off job for good and clears its request and claim', () => {
    expect(cancelledSet({ repeatInterval: null, timezone: null }, now)).toEqual({
      status: 'cancelled',
      updatedAt: now,
      cancelRequestedAt: null,
      ...released,
    });
  });

  it('cancels one occurrence of a recurring job: pending at the next one', () => {
    expect(cancelledSet({ repeatInterval: '0 * * * *', timezone: null }, now)).toEqual({
      status: 'pending',
      nextRunAt: new Date('2030-01-01T11:00:00Z'),
      failCount: 0,
      takeoverCount: 0,
      updatedAt: now,
      cancelRequestedAt: null,
      ...released,
    });
  });

  it('cancels a recurring job whose cron cannot be read for good', () => {
    expect(cancelledSet({ repeatInterval: 'never', timezone: null }, now).status).toBe('cancelled');
  });
});

describe('pendingCancelSet', () => {
  it('skips the occurrence a recurring job waits for, not the one after now', () => {
    const waiting = createJobDocument({
      repeatInterval: '0 * * * *',
      nextRunAt: new Date('2030-01-01T13:00:00Z'),
    });
    expect(pendingCancelSet(waiting, now).nextRunAt).toEqual(new Date('2030-01-01T14:00:00Z'));
    const overdue = createJobDocument({
      repeatInterval: '0 * * * *',
      nextRunAt: new Date('2030-01-01T09:00:00Z'),
    });
    expect(pendingCancelSet(overdue, now).nextRunAt).toEqual(new Date('2030-01-01T11:00:00Z'));
  });
});
