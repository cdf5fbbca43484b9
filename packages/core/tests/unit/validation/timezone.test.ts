import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/errors.js';
import { assertTimezone } from '../../../src/validation/timezone.js';
import { catchError } from './catch-error.js';

const RULE =
  "Invalid options.timezone: must be an IANA time zone name such as 'Europe/Berlin' or 'UTC'; got";

describe('assertTimezone', () => {
  it.each(['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata'])('accepts %s', (zone) => {
    expect(() => assertTimezone(zone)).not.toThrow();
  });

  it.each<[string, unknown, string]>([
    ['an unknown zone', 'Mars/Olympus', `${RULE} string "Mars/Olympus".`],
    ['an empty string', '', `${RULE} string "".`],
    ['an offset', '+01:00', `${RULE} string "+01:00".`],
    ['a number', 1, `${RULE} number 1.`],
  ])('rejects %s', (_, zone, message) => {
    const error = catchError(() => assertTimezone(zone));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).argument).toBe('options.timezone');
    expect(error.message).toBe(message);
  });

  it('keeps the runtime error as cause', () => {
    expect(catchError(() => assertTimezone('Mars/Olympus')).cause).toBeInstanceOf(RangeError);
  });
});
