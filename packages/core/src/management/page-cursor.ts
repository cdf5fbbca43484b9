import { createHash } from 'node:crypto';
import { ObjectId } from 'mongodb';
import { InvalidArgumentError } from '../errors.js';
import { isJobOrder, type JobOrder } from './job-order.js';

/**
 * Where a walk through `findJobs` pages stands: the order field's value and the `_id` of the last
 * job returned, and — for an order on a field that changes (`updatedAt`, `nextRunAt`) — the time
 * the walk started, after which changed jobs are left out (so a job that moves ahead of the
 * position is not returned a second time).
 */
export interface PagePosition {
  readonly key: Date;
  readonly id: ObjectId;
  readonly snapshot: Date | undefined;
}

/** What a cursor is made for: the order and the filter's fingerprint. */
export interface CursorScope {
  readonly order: JobOrder;
  readonly filterFingerprint: string;
}

/** The cursor's content before encoding; short keys keep cursors short. */
interface CursorPayload {
  /** Format version. */
  readonly v: 1;
  /** The order. */
  readonly o: JobOrder;
  /** The filter's fingerprint. */
  readonly f: string;
  /** The position's key, in ms since the epoch. */
  readonly k: number;
  /** The position's `_id`, hex. */
  readonly i: string;
  /** The snapshot, in ms since the epoch (orders on fields that change only). */
  readonly s?: number;
}

const VERSION = 1;
const MAX_CURSOR_LENGTH = 512;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const FINGERPRINT = /^[A-Za-z0-9_-]{22}$/;
const OBJECT_ID_HEX = /^[0-9a-f]{24}$/;
const PAYLOAD_KEYS = new Set(['v', 'o', 'f', 'k', 'i', 's']);
/** The range of a JavaScript Date, in ms. */
const MAX_TIME = 8.64e15;

/**
 * A short fingerprint (128 bits of SHA-256, base64url) of a filter's canonical text: a cursor
 * carries it so that it is refused with another filter. It guards against mistakes, not forgery:
 * a forged cursor can only move the position, which the caller could choose anyway.
 */
export function filterFingerprint(canonicalFilter: string): string {
  return createHash('sha256').update(canonicalFilter).digest('base64url').slice(0, 22);
}

/** Encodes a position as an opaque cursor string (base64url of a small JSON document). */
export function encodePageCursor(position: PagePosition, scope: CursorScope): string {
  const payload: CursorPayload = {
    v: VERSION,
    o: scope.order,
    f: scope.filterFingerprint,
    k: position.key.getTime(),
    i: position.id.toHexString(),
    ...(position.snapshot === undefined ? {} : { s: position.snapshot.getTime() }),
  };
  return Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
}

function isTime(value: unknown): value is number {
  return Number.isSafeInteger(value) && Math.abs(value as number) <= MAX_TIME;
}

function parsePayload(cursor: string): CursorPayload | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    // Not JSON: reported by the caller as a cursor that is not one of ours.
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const record = parsed as Record<string, unknown>;
  const wellFormed =
    Object.keys(record).every((key) => PAYLOAD_KEYS.has(key)) &&
    record.v === VERSION &&
    isJobOrder(record.o) &&
    typeof record.f === 'string' &&
    FINGERPRINT.test(record.f) &&
    isTime(record.k) &&
    typeof record.i === 'string' &&
    OBJECT_ID_HEX.test(record.i) &&
    (record.s === undefined || isTime(record.s));
  return wellFormed ? (record as unknown as CursorPayload) : undefined;
}

/**
 * Decodes a cursor made by {@link encodePageCursor} for the same scope.
 *
 * @param cursor - The cursor as given by the caller.
 * @param scope - The order and filter fingerprint of the call it is given to.
 * @param withSnapshot - Whether the order needs a snapshot (an order on a field that changes).
 * @param argument - The argument name for errors; defaults to `'options.cursor'`.
 * @throws InvalidArgumentError when the cursor is not one `findJobs` made, or was made for
 * another filter or order.
 */
export function decodePageCursor(
  cursor: unknown,
  scope: CursorScope,
  withSnapshot: boolean,
  argument = 'options.cursor',
): PagePosition {
  const payload =
    typeof cursor === 'string' && cursor.length <= MAX_CURSOR_LENGTH && BASE64URL.test(cursor)
      ? parsePayload(cursor)
      : undefined;
  const notOurs = () =>
    new InvalidArgumentError(
      argument,
      'must be the nextCursor of a previous findJobs page, unchanged',
      cursor,
    );
  if (payload === undefined) throw notOurs();
  if (payload.o !== scope.order || payload.f !== scope.filterFingerprint) {
    throw new InvalidArgumentError(
      argument,
      `was made for another ${payload.o === scope.order ? 'filter' : `order (${payload.o})`}; ` +
        'pass the same filter and order as for the first page, or start again without a cursor',
      cursor,
    );
  }
  if ((payload.s !== undefined) !== withSnapshot) throw notOurs();
  return {
    key: new Date(payload.k),
    id: ObjectId.createFromHexString(payload.i),
    snapshot: payload.s === undefined ? undefined : new Date(payload.s),
  };
}
