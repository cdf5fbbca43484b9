import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/errors.js';
import { assertJobName } from '../../../src/validation/job-name.js';
import { catchError } from './catch-error.js';

describe('assertJobName', () => {
  it.each(['a', 'send-email', 'x'.repeat(255), 'email:send/v2 ünïcode'])('accepts %j', (name) => {
    expect(() => assertJobName(name)).not.toThrow();
  });

  it.each<[string, unknown, string]>([
    ['empty', '', 'Invalid name: must be 1 to 255 characters long (it has 0); got string "".'],
    [
      'longer than 255 characters',
      'x'.repeat(256),
      `Invalid name: must be 1 to 255 characters long (it has 256); got string "${'x'.repeat(78)}….`,
    ],
    ['a number', 42, 'Invalid name: must be a string; got number 42.'],
    ['undefined', undefined, 'Invalid name: must be a string; got undefined.'],
    ['null', null, 'Invalid name: must be a string; got null.'],
    [
      'an operator object',
      { $ne: null },
      'Invalid name: must be a string; got object {"$ne":null}.',
    ],
    ['an array', ['a'], 'Invalid name: must be a string; got an array of 1 item.'],
    [
      'a newline',
      'send\nemail',
      'Invalid name: must not contain control characters (such as newlines, tabs or NUL); got string "send\\nemail".',
    ],
    [
      'a NUL',
      'send\0',
      'Invalid name: must not contain control characters (such as newlines, tabs or NUL); got string "send\\u0000".',
    ],
    [
      'a DEL',
      'send\u007f',
      'Invalid name: must not contain control characters (such as newlines, tabs or NUL); got string "send\u007f".',
    ],
  ])('rejects %s', (_, name, message) => {
    const error = catchError(() => assertJobName(name));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).argument).toBe('name');
    expect(error.message).toBe(message);
  });

  it('names a custom argument', () => {
    const error = catchError(() => assertJobName(1, 'jobName'));
    expect(error.message).toBe('Invalid jobName: must be a string; got number 1.');
  });
});
