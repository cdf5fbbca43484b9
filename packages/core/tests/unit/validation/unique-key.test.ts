import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/errors.js';
import { assertUniqueKey } from '../../../src/validation/unique-key.js';
import { catchError } from './catch-error.js';

const RULE = 'Invalid uniqueKey: must be a string of 1 to 1024 characters; got';

describe('assertUniqueKey', () => {
  it.each(['k', 'report:2026-01-01', 'x'.repeat(1024)])('accepts a key of length %#', (key) => {
    expect(() => assertUniqueKey(key)).not.toThrow();
  });

  it.each<[string, unknown, string]>([
    ['empty', '', `${RULE} string "".`],
    ['longer than 1024', 'x'.repeat(1025), `${RULE} string "${'x'.repeat(78)}….`],
    ['a number', 7, `${RULE} number 7.`],
    ['an operator object', { $exists: true }, `${RULE} object {"$exists":true}.`],
    ['null', null, `${RULE} null.`],
  ])('rejects %s', (_, key, message) => {
    const error = catchError(() => assertUniqueKey(key));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).argument).toBe('uniqueKey');
    expect(error.message).toBe(message);
  });

  it('names a custom argument', () => {
    expect(catchError(() => assertUniqueKey('', 'options.uniqueKey')).message).toBe(
      'Invalid options.uniqueKey: must be a string of 1 to 1024 characters; got string "".',
    );
  });
});
