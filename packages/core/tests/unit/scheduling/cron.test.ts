import { CronExpressionParser } from 'cron-parser';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InvalidArgumentError, InvalidCronError } from '../../../src/errors.js';
import { parseCron, spelledAsGiven } from '../../../src/scheduling/cron.js';

const SUFFIX =
  '. Expected 5 fields (minute hour day-of-month month day-of-week) or 6 with a leading ' +
  "seconds field, for example '*/5 * * * *' (every 5 minutes).";

function cronError(expression: string): InvalidCronError {
  try {
    parseCron(expression);
  } catch (error) {
    if (error instanceof InvalidCronError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(expression)} to be rejected`);
}

const at = (iso: string) => new Date(iso);

describe('parseCron', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it.each<[string, string, string]>([
    ['*/5 * * * *', '2026-01-01T00:03:00Z', '2026-01-01T00:05:00.000Z'],
    ['*/5 * * * *', '2026-01-01T00:05:00Z', '2026-01-01T00:10:00.000Z'],
    ['*/5 * * * *', '2026-01-01T00:04:59.999Z', '2026-01-01T00:05:00.000Z'],
    ['* * * * * *', '2026-01-01T00:00:00.500Z', '2026-01-01T00:00:01.000Z'],
    ['*/10 * * * * *', '2026-01-01T00:00:10Z', '2026-01-01T00:00:20.000Z'],
    ['0 9 * * MON-FRI', '2026-01-02T10:00:00Z', '2026-01-05T09:00:00.000Z'],
    ['0 0 1 JAN *', '2026-06-01T00:00:00Z', '2027-01-01T00:00:00.000Z'],
    ['0 0 L * *', '2026-02-01T00:00:00Z', '2026-02-28T00:00:00.000Z'],
    ['0 0 * * 1#2', '2026-01-01T00:00:00Z', '2026-01-12T00:00:00.000Z'],
    ['10-40/10 * * * *', '2026-01-01T00:20:00Z', '2026-01-01T00:30:00.000Z'],
    ['0 0 ? * SUN', '2026-01-01T00:00:00Z', '2026-01-04T00:00:00.000Z'],
    ['@daily', '2026-01-01T12:00:00Z', '2026-01-02T00:00:00.000Z'],
    ['  0  12  *  *  *  ', '2026-01-01T00:00:00Z', '2026-01-01T12:00:00.000Z'],
  ])('%j after %s is %s', (expression, after, next) => {
    expect(parseCron(expression).next(at(after)).toISOString()).toBe(next);
  });

  it('does not back-fill missed occurrences: next() is the first one after the given time', () => {
    const hourly = parseCron('0 * * * *');
    expect(hourly.next(at('2026-01-01T05:30:00Z')).toISOString()).toBe('2026-01-01T06:00:00.000Z');
    expect(hourly.next(at('2026-01-01T00:30:00Z')).toISOString()).toBe('2026-01-01T01:00:00.000Z');
  });

  it('reads the expression in the given time zone, UTC by default', () => {
    const berlin = parseCron('0 9 * * *', 'Europe/Berlin');
    expect(berlin.timezone).toBe('Europe/Berlin');
    expect(berlin.expression).toBe('0 9 * * *');
    expect(berlin.next(at('2026-01-01T00:00:00Z')).toISOString()).toBe('2026-01-01T08:00:00.000Z');
    expect(berlin.next(at('2026-07-01T00:00:00Z')).toISOString()).toBe('2026-07-01T07:00:00.000Z');
    expect(parseCron('0 9 * * *').timezone).toBe('UTC');
  });

  it('is frozen', () => {
    expect(Object.isFrozen(parseCron('* * * * *'))).toBe(true);
  });

  it.each<[string, string, string]>([
    ['empty', '', 'the expression is empty'],
    ['blank', '   ', 'the expression is empty'],
    ['three fields', '* * *', 'expected 5 or 6 fields, got 3'],
    ['one word', 'abc', 'expected 5 or 6 fields, got 1'],
    ['seven fields', '* * * * * * *', 'expected 5 or 6 fields, got 7'],
    ['minute 61', '61 * * * *', 'field 1 (minute) value 61 is out of range 0–59'],
    ['hour 24', '0 24 * * *', 'field 2 (hour) value 24 is out of range 0–23'],
    ['day 32', '0 0 32 * *', 'field 3 (day-of-month) value 32 is out of range 1–31'],
    ['month 13', '0 0 * 13 *', 'field 4 (month) value 13 is out of range 1–12'],
    ['weekday 8', '0 0 * * 8', 'field 5 (day-of-week) value 8 is out of range 0–7'],
    ['second 60', '60 * * * * *', 'field 1 (second) value 60 is out of range 0–59'],
    [
      'an unknown month name',
      '0 0 * FOO *',
      'field 4 (month) unknown name "FOO" (names are JAN–DEC in the month field and SUN–SAT in the day-of-week field)',
    ],
    [
      'a month name in the weekday field',
      '0 0 * * JAN',
      'field 5 (day-of-week) unknown name "JAN" (names are JAN–DEC in the month field and SUN–SAT in the day-of-week field)',
    ],
    [
      'a reversed range',
      '5-1 * * * *',
      'field 1 (minute) "5-1" is not valid (Invalid range: 5-1, min(5) > max(1))',
    ],
    [
      'a step of zero',
      '*/0 * * * *',
      'field 1 (minute) "*/0" is not valid (Constraint error, cannot repeat at every 0 time.)',
    ],
    [
      'stray characters',
      '1.5 * * * *',
      'field 1 (minute) "1.5" is not valid (Invalid characters, got value: 1.5)',
    ],
    [
      'a hashed value',
      'H * * * *',
      'field 1 (minute) uses H (a hashed value), which differs between processes; give a fixed value',
    ],
    [
      'a hashed value in a list',
      '0 1,H * * *',
      'field 2 (hour) uses H (a hashed value), which differs between processes; give a fixed value',
    ],
    [
      'a day that never exists',
      '0 0 30 2 *',
      'the fields never match together: Invalid explicit day of month definition',
    ],
    [
      'an unknown shorthand',
      '@fortnightly',
      'unknown shorthand "@fortnightly" (known: @yearly, @annually, @monthly, @weekly, @daily, @hourly, @minutely, @secondly, @weekdays, @weekends)',
    ],
  ])('rejects %s with the position and a valid example', (_, expression, problem) => {
    const error = cronError(expression);
    expect(error.expression).toBe(expression);
    expect(error.problem).toBe(problem);
    expect(error.message).toBe(
      `Invalid cron expression ${JSON.stringify(expression)}: ${problem}${SUFFIX}`,
    );
  });

  it('names an unknown name as the user spelled it', () => {
    expect(() => parseCron('0 0 * Foo-DEC *')).toThrow(/unknown name "Foo"/);
    expect(() => parseCron('0 0 * * MON-Xyz')).toThrow(/unknown name "Xyz"/);
    expect(spelledAsGiven('bar', 'BAR')).toBe('BAR');
    // Not found in the field (the parser changed it beyond case): its spelling is kept.
    expect(spelledAsGiven('bar', 'B-A-R')).toBe('bar');
  });

  it('keeps the parser error as cause', () => {
    expect(cronError('61 * * * *').cause).toBeInstanceOf(Error);
  });

  it('describes a non-Error thrown by the parser', () => {
    vi.spyOn(CronExpressionParser, 'parse').mockImplementation(() => {
      throw 'parser exploded';
    });
    expect(cronError('0 0 * * *').problem).toBe(
      'field 1 (minute) "0" is not valid (parser exploded)',
    );
  });

  it('rejects a non-string expression with InvalidArgumentError', () => {
    expect(() => parseCron({ $ne: null } as unknown as string)).toThrow(
      new InvalidArgumentError('cron', "must be a cron expression string such as '*/5 * * * *'", {
        $ne: null,
      }),
    );
  });

  it('rejects an unknown time zone with InvalidArgumentError', () => {
    let thrown: unknown;
    try {
      parseCron('* * * * *', 'Mars/Olympus');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidArgumentError);
    expect((thrown as InvalidArgumentError).message).toBe(
      "Invalid options.timezone: must be an IANA time zone name such as 'Europe/Berlin' or 'UTC'; got string \"Mars/Olympus\".",
    );
  });

  it('rejects an invalid `after`', () => {
    const schedule = parseCron('* * * * *');
    expect(() => schedule.next(new Date(Number.NaN))).toThrow(InvalidArgumentError);
    expect(() => schedule.next(new Date(Number.NaN))).toThrow(
      /^Invalid after: must be a valid Date/,
    );
  });
});
