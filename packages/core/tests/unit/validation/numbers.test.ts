import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/errors.js';
import {
  assertIntegerInRange,
  assertPositiveDuration,
  MAX_TIMER_DELAY,
} from '../../../src/validation/numbers.js';
import { catchError } from './catch-error.js';

describe('assertIntegerInRange', () => {
  it('accepts the bounds', () => {
    expect(() => assertIntegerInRange('n', 0, 0)).not.toThrow();
    expect(() => assertIntegerInRange('n', 10, 0, 10)).not.toThrow();
  });

  it.each<[unknown, number, number | undefined, string]>([
    [-1, 0, undefined, 'Invalid n: must be an integer ≥ 0; got number -1.'],
    [11, 0, 10, 'Invalid n: must be an integer from 0 to 10; got number 11.'],
    [0.5, 0, 10, 'Invalid n: must be an integer from 0 to 10; got number 0.5.'],
    ['3', 0, undefined, 'Invalid n: must be an integer ≥ 0; got string "3".'],
  ])('rejects %j (min %d, max %s)', (value, min, max, message) => {
    const error = catchError(() => assertIntegerInRange('n', value, min, max));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.message).toBe(message);
  });
});

describe('assertPositiveDuration', () => {
  it('accepts fractions and the maximum', () => {
    expect(() => assertPositiveDuration('d', 0.5)).not.toThrow();
    expect(() => assertPositiveDuration('d', MAX_TIMER_DELAY, MAX_TIMER_DELAY)).not.toThrow();
  });

  it.each<[unknown, number | undefined, string]>([
    [0, undefined, 'Invalid d: must be a finite number of milliseconds > 0; got number 0.'],
    [
      Number.NEGATIVE_INFINITY,
      undefined,
      'Invalid d: must be a finite number of milliseconds > 0; got number -Infinity.',
    ],
    [11, 10, 'Invalid d: must be a finite number of milliseconds > 0 and ≤ 10; got number 11.'],
    [null, undefined, 'Invalid d: must be a finite number of milliseconds > 0; got null.'],
  ])('rejects %j (max %s)', (value, max, message) => {
    const error = catchError(() => assertPositiveDuration('d', value, max));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.message).toBe(message);
  });
});
