import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/errors.js';
import { assertConcurrency } from '../../../src/validation/concurrency.js';
import { catchError } from './catch-error.js';

describe('assertConcurrency', () => {
  it.each([1, 5, 1000])('accepts %d', (value) => {
    expect(() => assertConcurrency(value)).not.toThrow();
  });

  it.each<[string, unknown, string]>([
    ['zero', 0, 'number 0'],
    ['negative', -1, 'number -1'],
    ['a fraction', 1.5, 'number 1.5'],
    ['NaN', Number.NaN, 'number NaN'],
    ['Infinity', Number.POSITIVE_INFINITY, 'number Infinity'],
    ['a string', '2', 'string "2"'],
  ])('rejects %s', (_, value, received) => {
    const error = catchError(() => assertConcurrency(value));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).argument).toBe('options.concurrency');
    expect(error.message).toBe(
      `Invalid options.concurrency: must be an integer ≥ 1; got ${received}.`,
    );
  });

  it('names a custom argument', () => {
    expect(catchError(() => assertConcurrency(0, 'concurrency')).message).toBe(
      'Invalid concurrency: must be an integer ≥ 1; got number 0.',
    );
  });
});
