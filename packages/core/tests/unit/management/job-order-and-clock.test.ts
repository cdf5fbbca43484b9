import { afterEach, describe, expect, it, vi } from 'vitest';
import { InvalidArgumentError } from '../../../src/errors.js';
import { waitForClockToPass } from '../../../src/management/clock.js';
import { isJobOrder, readJobOrder } from '../../../src/management/job-order.js';
import { catchError } from '../validation/catch-error.js';

describe('readJobOrder', () => {
  it('takes an order apart; newest first by default', () => {
    expect(readJobOrder(undefined)).toEqual({
      order: '-createdAt',
      field: 'createdAt',
      direction: -1,
    });
    expect(readJobOrder('nextRunAt')).toEqual({
      order: 'nextRunAt',
      field: 'nextRunAt',
      direction: 1,
    });
    expect(readJobOrder('-updatedAt')).toEqual({
      order: '-updatedAt',
      field: 'updatedAt',
      direction: -1,
    });
  });

  it.each<[string, unknown]>([
    ['a field that is not an order', 'name'],
    ['a sort document', { createdAt: 1 }],
    ['an operator object', { $ne: null }],
    ['a direction number', -1],
  ])('refuses %s', (_, order) => {
    const error = catchError(() => readJobOrder(order));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).argument).toBe('options.order');
    expect(error.message).toContain(
      'must be one of nextRunAt, -nextRunAt, createdAt, -createdAt, updatedAt, -updatedAt',
    );
  });

  it('recognizes the orders', () => {
    expect(isJobOrder('-nextRunAt')).toBe(true);
    expect(isJobOrder('_id')).toBe(false);
  });
});

describe('waitForClockToPass', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('resolves at once when the clock is already past', async () => {
    vi.useFakeTimers({ now: 1000 });
    await waitForClockToPass(new Date(999));
    expect(Date.now()).toBe(1000);
  });

  it('waits until the clock is past the millisecond, reading it again after each step', async () => {
    vi.useFakeTimers({ now: 1000 });
    let passed = false;
    const waiting = waitForClockToPass(new Date(1001)).then(() => {
      passed = true;
    });
    await vi.advanceTimersByTimeAsync(1);
    expect(passed).toBe(false); // the clock reads 1001: not past yet
    await vi.advanceTimersByTimeAsync(1);
    await waiting;
    expect(passed).toBe(true);
    expect(Date.now()).toBe(1002);
  });
});
