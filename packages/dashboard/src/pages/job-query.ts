import {
  type DateRange,
  type FindJobsOptions,
  isJobStatus,
  type JobDataValue,
  type JobFilter,
  type JobOrder,
  type JobStatus,
} from '@monque/core';

/** The sort orders offered, with their labels. */
export const ORDERS: readonly { readonly value: JobOrder; readonly label: string }[] = [
  { value: '-createdAt', label: 'Newest first' },
  { value: 'createdAt', label: 'Oldest first' },
  { value: 'nextRunAt', label: 'Next run, soonest first' },
  { value: '-nextRunAt', label: 'Next run, latest first' },
  { value: '-updatedAt', label: 'Recently updated first' },
  { value: 'updatedAt', label: 'Least recently updated first' },
];

/** The time fields a range can apply to. */
export const RANGE_FIELDS = ['createdAt', 'updatedAt', 'nextRunAt'] as const;
export type RangeField = (typeof RANGE_FIELDS)[number];

/** The page sizes offered. */
export const PAGE_SIZES = [25, 50, 100, 200] as const;

/** The jobs page's form as the user filled it in (echoed back into the form). */
export interface JobQueryForm {
  readonly name: string;
  readonly statuses: readonly JobStatus[];
  readonly rangeField: RangeField;
  readonly from: string;
  readonly to: string;
  readonly data: readonly string[];
  readonly order: JobOrder;
  readonly limit: number;
  readonly cursor: string | undefined;
}

/** A parsed query: the filter and options for `findJobs`, or the problems that prevent it. */
export interface JobQuery {
  readonly form: JobQueryForm;
  readonly filter: JobFilter;
  readonly options: FindJobsOptions;
  /** Messages about fields that could not be read; no search is made when there are any. */
  readonly problems: readonly string[];
}

const LOCAL_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?$/;

/** Reads a `datetime-local` value as UTC. */
export function parseUtcDateTime(value: string): Date | undefined {
  if (!LOCAL_DATE_TIME.test(value)) return undefined;
  const date = new Date(`${value}Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * Reads one `path=value` data condition. The value is a JSON number, `true`, `false`, `null` or a
 * JSON string in double quotes; anything else is taken as text as it is.
 */
export function parseDataCondition(
  text: string,
): { readonly path: string; readonly value: JobDataValue } | string {
  const at = text.indexOf('=');
  if (at <= 0) return `data condition ${JSON.stringify(text)} must look like field.path=value`;
  const path = text.slice(0, at).trim();
  const raw = text.slice(at + 1).trim();
  if (path === '') return `data condition ${JSON.stringify(text)} has no field path`;
  let value: JobDataValue = raw;
  if (/^(?:-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null|".*")$/.test(raw)) {
    try {
      const parsed: unknown = JSON.parse(raw);
      if (
        parsed === null ||
        typeof parsed === 'string' ||
        typeof parsed === 'boolean' ||
        typeof parsed === 'number'
      ) {
        value = parsed;
      }
    } catch {
      // Not valid JSON after all (such as a bad escape in quotes): taken as text.
    }
  }
  return { path, value };
}

function pickOrder(value: string | null): JobOrder | undefined {
  if (value === null || value === '') return '-createdAt';
  return ORDERS.find((order) => order.value === value)?.value;
}

/** Reads the jobs page's query string. */
export function parseJobQuery(query: URLSearchParams): JobQuery {
  const problems: string[] = [];
  const name = (query.get('name') ?? '').trim();
  const statuses: JobStatus[] = [];
  for (const status of query.getAll('status')) {
    if (isJobStatus(status)) statuses.push(status);
    else if (status !== '') problems.push(`unknown status ${JSON.stringify(status)}`);
  }
  const rangeParam = query.get('range') ?? 'createdAt';
  const rangeField = (RANGE_FIELDS as readonly string[]).includes(rangeParam)
    ? (rangeParam as RangeField)
    : 'createdAt';
  const from = (query.get('from') ?? '').trim();
  const to = (query.get('to') ?? '').trim();
  const range: { from?: Date; to?: Date } = {};
  for (const [key, text] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (text === '') continue;
    const date = parseUtcDateTime(text);
    if (date === undefined)
      problems.push(`"${key}" must be a date and time such as 2026-01-31T12:00`);
    else range[key] = date;
  }
  const data = query
    .getAll('data')
    .map((text) => text.trim())
    .filter((text) => text !== '');
  const dataFilter = new Map<string, JobDataValue>();
  for (const text of data) {
    const condition = parseDataCondition(text);
    if (typeof condition === 'string') problems.push(condition);
    else dataFilter.set(condition.path, condition.value);
  }
  const order = pickOrder(query.get('order'));
  if (order === undefined) problems.push(`unknown order ${JSON.stringify(query.get('order'))}`);
  const limitParam = Number(query.get('limit') ?? 50);
  const limit = (PAGE_SIZES as readonly number[]).includes(limitParam) ? limitParam : 50;
  const cursor = query.get('cursor') || undefined;

  const filter: {
    -readonly [K in keyof JobFilter]: JobFilter[K];
  } = {};
  if (name !== '') filter.name = name;
  if (statuses.length === 1) filter.status = statuses[0];
  else if (statuses.length > 1) filter.status = statuses;
  if (range.from !== undefined || range.to !== undefined) filter[rangeField] = range as DateRange;
  if (dataFilter.size > 0) filter.data = Object.fromEntries(dataFilter);
  const options: FindJobsOptions = {
    limit,
    order: order ?? '-createdAt',
    ...(cursor === undefined ? {} : { cursor }),
  };
  return {
    form: {
      name,
      statuses,
      rangeField,
      from,
      to,
      data,
      order: order ?? '-createdAt',
      limit,
      cursor,
    },
    filter,
    options,
    problems,
  };
}

/** The query string of a form, for links (paging keeps the filter). */
export function formToQuery(form: JobQueryForm, cursor?: string): URLSearchParams {
  const query = new URLSearchParams();
  if (form.name !== '') query.set('name', form.name);
  for (const status of form.statuses) query.append('status', status);
  if (form.from !== '' || form.to !== '') query.set('range', form.rangeField);
  if (form.from !== '') query.set('from', form.from);
  if (form.to !== '') query.set('to', form.to);
  for (const condition of form.data) query.append('data', condition);
  if (form.order !== '-createdAt') query.set('order', form.order);
  if (form.limit !== 50) query.set('limit', String(form.limit));
  if (cursor !== undefined) query.set('cursor', cursor);
  return query;
}
