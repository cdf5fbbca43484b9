import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/errors.js';
import { assertRunAt } from '../../../src/validation/run-at.js';
import { catchError } from './catch-error.js';

const RULE =
  'Invalid runAt: must be a valid Date (convert numbers and strings with new Date(…) first); got';

describe('assertRunAt', () => {
  it('accepts a valid Date, past or future', () => {
    expect(() => assertRunAt(new Date(0))).not.toThrow();
    expect(() => assertRunAt(new Date('2999-01-01T00:00:00Z'))).not.toThrow();
  });

  it.each<[string, unknown, string]>([
    ['an invalid Date', new Date('nope'), `${RULE} an invalid Date.`],
    ['a number', 1_767_225_600_000, `${RULE} number 1767225600000.`],
    ['a string', '2026-01-01T00:00:00Z', `${RULE} string "2026-01-01T00:00:00Z".`],
    ['null', null, `${RULE} null.`],
    ['an operator object', { $gt: 0 }, `${RULE} object {"$gt":0}.`],
  ])('rejects %s', (_, runAt, message) => {
    const error = catchError(() => assertRunAt(runAt));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).argument).toBe('runAt');
    expect(error.message).toBe(message);
  });

  it('names a custom argument', () => {
    expect((catchError(() => assertRunAt(1, 'after')) as InvalidArgumentError).argument).toBe(
      'after',
    );
  });
});
