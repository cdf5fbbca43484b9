import { type CronExpression, CronExpressionParser } from 'cron-parser';
import { InvalidArgumentError, InvalidCronError } from '../errors.js';
import { assertRunAt } from '../validation/run-at.js';
import { assertTimezone } from '../validation/timezone.js';

/**
 * A parsed, validated cron expression that computes its occurrences.
 *
 * @example
 * ```ts
 * const schedule: CronSchedule = parseCron('0 9 * * MON-FRI', 'Europe/Berlin');
 * schedule.next(new Date()); // the next weekday at 09:00 Berlin time
 * ```
 */
export interface CronSchedule {
  /** The expression as given. */
  readonly expression: string;
  /** The IANA time zone the expression is read in (`'UTC'` unless one was given). */
  readonly timezone: string;
  /**
   * The first occurrence strictly after `after`. Occurrences missed while nothing ran are not
   * back-filled: this is always the next one after the given time.
   *
   * @param after - A valid Date.
   * @returns The next occurrence.
   * @throws InvalidArgumentError when `after` is not a valid Date.
   *
   * @example
   * ```ts
   * parseCron('*\/5 * * * *').next(new Date('2026-01-01T00:05:00Z')); // 2026-01-01T00:10:00Z
   * ```
   */
  next(after: Date): Date;
}

const FIELD_NAMES = ['second', 'minute', 'hour', 'day-of-month', 'month', 'day-of-week'] as const;

const PREDEFINED = [
  '@yearly',
  '@annually',
  '@monthly',
  '@weekly',
  '@daily',
  '@hourly',
  '@minutely',
  '@secondly',
  '@weekdays',
  '@weekends',
];

const HASHED_VALUE = /(?:^|,)H/i;

/**
 * The name as the user spelled it: cron-parser reports `alias` lower-cased, so it is looked up
 * in the field's `value` (case-insensitively); `alias` itself if it cannot be found there.
 */
export function spelledAsGiven(alias: string, value: string): string {
  const at = value.toLowerCase().indexOf(alias);
  return at === -1 ? alias : value.slice(at, at + alias.length);
}

/** Turns cron-parser's message about one field into plain words. */
function describeFieldProblem(message: string, value: string): string {
  const outOfRange = /got value (\S+) expected range (\d+)-(\d+)/.exec(message);
  if (outOfRange) {
    return `value ${outOfRange[1]} is out of range ${outOfRange[2]}–${outOfRange[3]}`;
  }
  const alias = /cannot resolve alias "([^"]*)"/.exec(message);
  if (alias) {
    return `unknown name "${spelledAsGiven(String(alias[1]), value)}" (names are JAN–DEC in the month field and SUN–SAT in the day-of-week field)`;
  }
  return `${JSON.stringify(value)} is not valid (${message})`;
}

function problemOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Parses each field on its own (the others set to `*`) to say which one is wrong. */
function assertFieldsValid(expression: string, fields: readonly string[]): void {
  const offset = fields.length === 5 ? 1 : 0;
  fields.forEach((value, index) => {
    const position = index + 1;
    const fieldName = FIELD_NAMES[index + offset];
    if (HASHED_VALUE.test(value)) {
      throw new InvalidCronError(
        expression,
        `field ${position} (${fieldName}) uses H (a hashed value), which differs between ` +
          'processes; give a fixed value',
      );
    }
    const probe = FIELD_NAMES.map((_, probeIndex) => (probeIndex === index + offset ? value : '*'));
    try {
      CronExpressionParser.parse(probe.join(' '));
    } catch (error) {
      throw new InvalidCronError(
        expression,
        `field ${position} (${fieldName}) ${describeFieldProblem(problemOf(error), value)}`,
        { cause: error },
      );
    }
  });
}

function parseExpression(expression: string, timezone: string): CronExpression {
  const trimmed = expression.trim();
  if (trimmed === '') {
    throw new InvalidCronError(expression, 'the expression is empty');
  }
  if (trimmed.startsWith('@')) {
    if (!PREDEFINED.includes(trimmed)) {
      throw new InvalidCronError(
        expression,
        `unknown shorthand ${JSON.stringify(trimmed)} (known: ${PREDEFINED.join(', ')})`,
      );
    }
  } else {
    const fields = trimmed.split(/\s+/);
    if (fields.length !== 5 && fields.length !== 6) {
      throw new InvalidCronError(expression, `expected 5 or 6 fields, got ${fields.length}`);
    }
    assertFieldsValid(expression, fields);
  }
  try {
    return CronExpressionParser.parse(trimmed, { tz: timezone });
  } catch (error) {
    // Every field is valid on its own, so the fields contradict each other (such as 30 February).
    throw new InvalidCronError(expression, `the fields never match together: ${problemOf(error)}`, {
      cause: error,
    });
  }
}

/**
 * Parses and validates a cron expression. Five fields (`minute hour day-of-month month
 * day-of-week`) or six with a leading `second` field; `*`, `?`, lists (`1,15`), ranges (`1-5`),
 * steps (`*\/5`, `10-40/10`), names (`JAN`–`DEC`, `SUN`–`SAT`), `L` and `#` (`1#2`: second
 * Monday), and shorthands such as `@daily`. Hashed values (`H`) are rejected: each process would
 * pick a different one.
 *
 * @param expression - The cron expression.
 * @param timezone - The IANA time zone to read it in; defaults to `'UTC'`.
 * @returns A {@link CronSchedule}.
 * @throws InvalidCronError naming what is wrong and in which field (such as
 * `field 1 (minute) value 61 is out of range 0–59`), with a valid example.
 * @throws InvalidArgumentError (argument `'cron'` or `'options.timezone'`) when the expression is
 * not a string or the time zone is unknown.
 *
 * @example
 * ```ts
 * const everyFiveMinutes = parseCron('*\/5 * * * *');
 * everyFiveMinutes.next(new Date('2026-01-01T00:03:00Z')); // 2026-01-01T00:05:00Z
 * const everySecond = parseCron('* * * * * *'); // six fields: seconds first
 * ```
 */
export function parseCron(expression: string, timezone?: string): CronSchedule {
  if (typeof expression !== 'string') {
    throw new InvalidArgumentError(
      'cron',
      "must be a cron expression string such as '*/5 * * * *'",
      expression,
    );
  }
  const zone = timezone ?? 'UTC';
  assertTimezone(zone);
  const cron = parseExpression(expression, zone);
  return Object.freeze({
    expression,
    timezone: zone,
    next(after: Date): Date {
      assertRunAt(after, 'after');
      cron.reset(after);
      return cron.next().toDate();
    },
  });
}
