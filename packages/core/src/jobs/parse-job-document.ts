import { ObjectId } from 'mongodb';
import { describeValue } from '../validation/describe-value.js';
import type { JobDocument } from './job.js';
import { isJobStatus } from './job-status.js';

/**
 * Why a document in the jobs collection is not a Monque job: the first field that is missing or
 * has the wrong type. The claim loop skips such a document and reports it once.
 *
 * @example
 * ```ts
 * const result = parseJobDocument(raw);
 * if (!result.ok) console.warn(result.problem.message);
 * ```
 */
export interface ForeignDocumentProblem {
  /** The document's `_id` as found (any type), or `undefined` when it has none. */
  readonly id: unknown;
  /** The first offending field, such as `'status'`; `''` when the value is not a document at all. */
  readonly field: string;
  /** What that field must be, such as `'a Date'`. */
  readonly expected: string;
  /** A complete sentence naming the document, the field, the rule and the value found. */
  readonly message: string;
}

/**
 * The outcome of {@link parseJobDocument}: the typed job, or why the document is foreign.
 *
 * @example
 * ```ts
 * const result: JobDocumentParseResult = parseJobDocument(raw);
 * const job = result.ok ? result.document : undefined;
 * ```
 */
export type JobDocumentParseResult =
  | { readonly ok: true; readonly document: JobDocument }
  | { readonly ok: false; readonly problem: ForeignDocumentProblem };

type FieldCheck = readonly [field: string, expected: string, isValid: (value: unknown) => boolean];

const isString = (value: unknown): boolean => typeof value === 'string';
const isDate = (value: unknown): boolean => value instanceof Date && !Number.isNaN(value.getTime());
const orNull =
  (check: (value: unknown) => boolean) =>
  (value: unknown): boolean =>
    value === null || check(value);

const FIELD_CHECKS: readonly FieldCheck[] = [
  ['_id', 'an ObjectId', (value) => value instanceof ObjectId],
  ['name', 'a non-empty string', (value) => typeof value === 'string' && value.length > 0],
  ['data', 'present (null when there is no payload)', (value) => value !== undefined],
  ['status', 'one of pending, processing, completed, failed, cancelled', isJobStatus],
  ['nextRunAt', 'a valid Date', isDate],
  ['lockedAt', 'a valid Date or null', orNull(isDate)],
  ['claimedBy', 'a string or null', orNull(isString)],
  ['lastHeartbeat', 'a valid Date or null', orNull(isDate)],
  [
    'heartbeatInterval',
    'a positive number or null',
    orNull((value) => typeof value === 'number' && value > 0),
  ],
  [
    'failCount',
    'an integer ≥ 0',
    (value) => typeof value === 'number' && Number.isInteger(value) && value >= 0,
  ],
  ['failReason', 'a string or null', orNull(isString)],
  [
    'takeoverCount',
    'an integer ≥ 0 or absent',
    (value) =>
      value === undefined || (typeof value === 'number' && Number.isInteger(value) && value >= 0),
  ],
  ['repeatInterval', 'a string or null', orNull(isString)],
  ['timezone', 'a string or null', orNull(isString)],
  ['uniqueKey', 'a string or absent', (value) => value === undefined || isString(value)],
  ['scheduleKey', 'a string or absent', (value) => value === undefined || isString(value)],
  [
    'timeout',
    'a positive number or absent',
    (value) => value === undefined || (typeof value === 'number' && value > 0),
  ],
  [
    'priority',
    'an integer or absent',
    (value) => value === undefined || (typeof value === 'number' && Number.isInteger(value)),
  ],
  ['groupKey', 'a string or absent', (value) => value === undefined || isString(value)],
  [
    'groupSlot',
    'an integer ≥ 0, null or absent',
    (value) =>
      value === undefined ||
      value === null ||
      (typeof value === 'number' && Number.isInteger(value) && value >= 0),
  ],
  [
    'cancelRequestedAt',
    'a valid Date, null or absent',
    (value) => value === undefined || orNull(isDate)(value),
  ],
  ['createdAt', 'a valid Date', isDate],
  ['updatedAt', 'a valid Date', isDate],
];

function foreign(problem: Omit<ForeignDocumentProblem, 'message'>, found: unknown, what: string) {
  let where = `document ${describeValue(problem.id)}`;
  if (problem.id === undefined) {
    where = problem.field === '' ? 'a value' : 'a document without _id';
  }
  const message = `${where} in the jobs collection is not a Monque job: it must ${what}, got ${describeValue(found)}`;
  return { ok: false, problem: { ...problem, message } } as const;
}

/**
 * Checks that a document read from the jobs collection is a Monque job: every field of
 * {@link JobDocument} present with the right type. Documents written by other software are
 * reported instead of crashing the claim loop. It does not copy or change the document.
 *
 * @param doc - A raw document, as the driver returned it.
 * @returns `{ ok: true, document }`, or `{ ok: false, problem }` naming the first bad field.
 *
 * @example
 * ```ts
 * const result = parseJobDocument({ _id: new ObjectId(), hello: 'world' });
 * if (!result.ok) console.warn(result.problem.message);
 * // "document ObjectId(…) in the jobs collection is not a Monque job: it must have field name …"
 * ```
 */
export function parseJobDocument(doc: unknown): JobDocumentParseResult {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    return foreign({ id: undefined, field: '', expected: 'a document' }, doc, 'be a document');
  }
  const record = doc as Record<string, unknown>;
  for (const [field, expected, isValid] of FIELD_CHECKS) {
    const value = record[field];
    if (!isValid(value)) {
      return foreign(
        { id: record._id, field, expected },
        value,
        `have field ${field} that is ${expected}`,
      );
    }
  }
  return { ok: true, document: doc as JobDocument };
}
