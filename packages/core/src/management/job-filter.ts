import { InvalidArgumentError } from '../errors.js';
import { isJobStatus, JobStatus } from '../jobs/job-status.js';
import { assertJobName } from '../validation/job-name.js';
import { assertUniqueKey } from '../validation/unique-key.js';
import { assertDataPath, assertDataValue, type JobDataValue } from './data-path.js';

/**
 * A time range: `from` inclusive, `to` exclusive; either may be omitted.
 *
 * @example
 * ```ts
 * const today: DateRange = { from: new Date('2026-03-01T00:00:00Z'), to: new Date('2026-03-02T00:00:00Z') };
 * await monque.findJobs({ createdAt: today });
 * ```
 */
export interface DateRange {
  /** The earliest time included. */
  readonly from?: Date;
  /** The first time no longer included. */
  readonly to?: Date;
}

/**
 * Which jobs {@link Monque.findJobs} lists. Every field is optional and all given fields must
 * match (AND); a list matches any of its values. Values are checked before anything is sent and
 * only ever compared for equality or by range, so no value can act as a query operator.
 *
 * @example
 * ```ts
 * const filter: JobFilter = {
 *   name: ['send-email', 'send-sms'],
 *   status: 'failed',
 *   updatedAt: { from: new Date(Date.now() - 86_400_000) },
 *   data: { 'customer.id': 42 },
 * };
 * const page = await monque.findJobs(filter);
 * ```
 */
export interface JobFilter {
  /** A job name, or several (up to 100). */
  readonly name?: string | readonly string[];
  /** A status, or several. */
  readonly status?: JobStatus | readonly JobStatus[];
  /** When the job is due next. */
  readonly nextRunAt?: DateRange;
  /** When the job was created. */
  readonly createdAt?: DateRange;
  /** When the job was last changed. */
  readonly updatedAt?: DateRange;
  /** The job's deduplication key. */
  readonly uniqueKey?: string;
  /** `true`: only recurring (cron) jobs; `false`: only one-off jobs. */
  readonly recurring?: boolean;
  /**
   * Equality on paths inside `data`, e.g. `{ 'customer.id': 42 }` (up to 16 paths). Plain values
   * only (see {@link JobDataValue}); as in MongoDB, a value also matches an array element at the
   * path, and `null` also matches a missing field.
   */
  readonly data?: Readonly<Record<string, JobDataValue>>;
}

/** The date fields a {@link JobFilter} can hold a range for. */
export type JobDateField = 'nextRunAt' | 'createdAt' | 'updatedAt';

/** A validated {@link DateRange}, copied. */
export interface CheckedDateRange {
  readonly from: Date | undefined;
  readonly to: Date | undefined;
}

/**
 * A {@link JobFilter} after validation: copied (so the caller cannot change it after the check),
 * lists sorted and without duplicates, `data` as sorted path/value pairs. Two filters that select
 * the same jobs the same way normalize to equal values.
 */
export interface CheckedJobFilter {
  readonly names: readonly string[] | undefined;
  readonly statuses: readonly JobStatus[] | undefined;
  readonly ranges: Readonly<Partial<Record<JobDateField, CheckedDateRange>>>;
  readonly uniqueKey: string | undefined;
  readonly recurring: boolean | undefined;
  readonly data: readonly (readonly [path: string, value: JobDataValue])[];
}

/** Most names one filter may list. */
export const MAX_FILTER_NAMES = 100;

/** Most `data` paths one filter may compare. */
export const MAX_FILTER_DATA_PATHS = 16;

const FILTER_KEYS = [
  'name',
  'status',
  'nextRunAt',
  'createdAt',
  'updatedAt',
  'uniqueKey',
  'recurring',
  'data',
] as const;

const DATE_FIELDS: readonly JobDateField[] = ['nextRunAt', 'createdAt', 'updatedAt'];

const STATUS_LIST = Object.values(JobStatus).join(', ');
const STATUS_COUNT = Object.values(JobStatus).length;

function isPlainObject(value: unknown): value is object {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** The own entries of a plain object whose keys are all in `known` (anything else is refused). */
function readEntries(
  value: unknown,
  known: readonly string[],
  argument: string,
  what: string,
): Map<string, unknown> {
  if (!isPlainObject(value)) {
    throw new InvalidArgumentError(
      argument,
      `must be a plain object (${what}) or undefined`,
      value,
    );
  }
  const entries = new Map<string, unknown>();
  for (const [key, entry] of Object.entries(value)) {
    if (!known.includes(key)) {
      throw new InvalidArgumentError(
        `${argument}.${key}`,
        `is not a known field (known: ${known.join(', ')})`,
        entry,
      );
    }
    if (entry !== undefined) entries.set(key, entry);
  }
  return entries;
}

/** A value or a non-empty array of values, each checked; returned sorted and without duplicates. */
function readList<T extends string>(
  value: unknown,
  argument: string,
  max: number,
  check: (item: unknown, itemArgument: string) => asserts item is T,
): readonly T[] {
  if (!Array.isArray(value)) {
    check(value, argument);
    return [value];
  }
  if (value.length === 0 || value.length > max) {
    throw new InvalidArgumentError(argument, `must hold 1 to ${max} values`, value);
  }
  value.forEach((item: unknown, index) => {
    check(item, `${argument}[${index}]`);
  });
  return [...new Set(value as T[])].sort();
}

function assertStatus(value: unknown, argument: string): asserts value is JobStatus {
  if (!isJobStatus(value)) {
    throw new InvalidArgumentError(argument, `must be one of ${STATUS_LIST}`, value);
  }
}

function readDate(value: unknown, argument: string): Date | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new InvalidArgumentError(argument, 'must be a valid Date or undefined', value);
  }
  return new Date(value.getTime());
}

function readDateRange(value: unknown, argument: string): CheckedDateRange {
  const entries = readEntries(value, ['from', 'to'], argument, '{ from?, to? }');
  const from = readDate(entries.get('from'), `${argument}.from`);
  const to = readDate(entries.get('to'), `${argument}.to`);
  if (from !== undefined && to !== undefined && from.getTime() > to.getTime()) {
    throw new InvalidArgumentError(
      argument,
      `must not end before it starts (from ${from.toISOString()} is after to ${to.toISOString()})`,
      value,
    );
  }
  return { from, to };
}

function readData(value: unknown, argument: string): CheckedJobFilter['data'] {
  if (!isPlainObject(value)) {
    throw new InvalidArgumentError(
      argument,
      "must be a plain object of data paths and values, such as { 'customer.id': 42 }",
      value,
    );
  }
  const entries = Object.entries(value);
  if (entries.length > MAX_FILTER_DATA_PATHS) {
    throw new InvalidArgumentError(
      argument,
      `must hold at most ${MAX_FILTER_DATA_PATHS} paths (it has ${entries.length})`,
      value,
    );
  }
  return entries
    .map(([path, entry]): readonly [string, JobDataValue] => {
      assertDataPath(path, argument);
      assertDataValue(entry, `${argument}[${JSON.stringify(path)}]`);
      return [path, entry instanceof Date ? new Date(entry.getTime()) : entry];
    })
    .sort(([a], [b]) => (a < b ? -1 : 1));
}

/**
 * Checks a {@link JobFilter} and returns its validated, normalized copy. Refuses anything that is
 * not a plain object with the known fields, and any value of the wrong type — notably objects
 * such as `{ $ne: null }` where a value is expected — before anything is sent.
 *
 * @param filter - The filter as given; `undefined` selects every job.
 * @param argument - The argument name for errors; defaults to `'filter'`.
 * @throws InvalidArgumentError naming the offending field, such as `'filter.status[1]'`.
 */
export function checkJobFilter(filter: unknown, argument = 'filter'): CheckedJobFilter {
  const entries =
    filter === undefined
      ? new Map<string, unknown>()
      : readEntries(filter, FILTER_KEYS, argument, 'a JobFilter');
  const field = (key: (typeof FILTER_KEYS)[number]) => `${argument}.${key}`;
  const name = entries.get('name');
  const status = entries.get('status');
  const uniqueKey = entries.get('uniqueKey');
  const recurring = entries.get('recurring');
  const data = entries.get('data');
  const ranges: Partial<Record<JobDateField, CheckedDateRange>> = {};
  for (const dateField of DATE_FIELDS) {
    const range = entries.get(dateField);
    if (range !== undefined) ranges[dateField] = readDateRange(range, field(dateField));
  }
  if (uniqueKey !== undefined) assertUniqueKey(uniqueKey, field('uniqueKey'));
  if (recurring !== undefined && typeof recurring !== 'boolean') {
    throw new InvalidArgumentError(
      field('recurring'),
      'must be true, false or undefined',
      recurring,
    );
  }
  return {
    names:
      name === undefined
        ? undefined
        : readList<string>(name, field('name'), MAX_FILTER_NAMES, assertJobName),
    statuses:
      status === undefined
        ? undefined
        : readList<JobStatus>(status, field('status'), STATUS_COUNT, assertStatus),
    ranges,
    uniqueKey,
    recurring,
    data: data === undefined ? [] : readData(data, field('data')),
  };
}

/**
 * A canonical text of a checked filter: equal for filters that select the same jobs the same way,
 * different otherwise (values carry their type, so `1` and `'1'` differ). Used to tie a page
 * cursor to its filter.
 */
export function canonicalFilter(filter: CheckedJobFilter): string {
  const value = (item: JobDataValue): unknown => {
    if (item instanceof Date) return ['date', item.getTime()];
    if (item === null) return ['null'];
    if (typeof item === 'object') return ['objectId', item.toHexString()];
    return [typeof item, String(item)];
  };
  const range = (checked: CheckedDateRange | undefined) =>
    checked === undefined ? null : [checked.from?.getTime() ?? null, checked.to?.getTime() ?? null];
  return JSON.stringify([
    filter.names ?? null,
    filter.statuses ?? null,
    DATE_FIELDS.map((dateField) => range(filter.ranges[dateField])),
    filter.uniqueKey ?? null,
    filter.recurring ?? null,
    filter.data.map(([path, item]) => [path, value(item)]),
  ]);
}
