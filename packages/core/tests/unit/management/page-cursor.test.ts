import { ObjectId } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/errors.js';
import {
  type CursorScope,
  decodePageCursor,
  encodePageCursor,
  filterFingerprint,
  type PagePosition,
} from '../../../src/management/page-cursor.js';
import { catchError } from '../validation/catch-error.js';

const scope: CursorScope = { order: '-createdAt', filterFingerprint: filterFingerprint('[]') };
const position: PagePosition = {
  key: new Date('2026-03-01T12:00:00.123Z'),
  id: new ObjectId('65a1f0c2e4b0a1b2c3d4e5f6'),
  snapshot: undefined,
};

/** A cursor with the given payload, as `findJobs` would encode one. */
function craft(payload: unknown): string {
  return Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
}

const valid = {
  v: 1,
  o: '-createdAt',
  f: scope.filterFingerprint,
  k: position.key.getTime(),
  i: position.id.toHexString(),
};

function refusal(cursor: unknown, withSnapshot = false, of: CursorScope = scope): string {
  const error = catchError(() => decodePageCursor(cursor, of, withSnapshot));
  expect(error).toBeInstanceOf(InvalidArgumentError);
  expect((error as InvalidArgumentError).argument).toBe('options.cursor');
  return error.message;
}

describe('page cursor', () => {
  it('round-trips a position, with and without a snapshot', () => {
    const cursor = encodePageCursor(position, scope);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodePageCursor(cursor, scope, false)).toEqual(position);
    const later = { ...position, snapshot: new Date('2026-03-01T12:05:00Z') };
    const updated: CursorScope = { ...scope, order: 'updatedAt' };
    expect(decodePageCursor(encodePageCursor(later, updated), updated, true)).toEqual(later);
  });

  it('fingerprints filters: 22 base64url characters, equal only for equal text', () => {
    expect(filterFingerprint('[1]')).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(filterFingerprint('[1]')).toBe(filterFingerprint('[1]'));
    expect(filterFingerprint('[1]')).not.toBe(filterFingerprint('[2]'));
  });

  it('refuses a cursor made for another order, saying which', () => {
    const cursor = encodePageCursor(position, scope);
    expect(refusal(cursor, false, { ...scope, order: 'createdAt' })).toMatch(
      /^Invalid options\.cursor: was made for another order \(-createdAt\); pass the same filter/,
    );
  });

  it('refuses a cursor made for another filter', () => {
    const cursor = encodePageCursor(position, scope);
    expect(
      refusal(cursor, false, { ...scope, filterFingerprint: filterFingerprint('["a"]') }),
    ).toMatch(/^Invalid options\.cursor: was made for another filter; pass the same filter/);
  });

  const NOT_OURS = /^Invalid options\.cursor: must be the nextCursor of a previous findJobs page/;

  it.each<[string, unknown]>([
    ['a number', 5],
    ['an operator object', { $gt: '' }],
    ['an empty string', ''],
    ['characters outside base64url', 'abc+/='],
    ['an over-long string', 'A'.repeat(513)],
    ['text that is not JSON', Buffer.from('not json').toString('base64url')],
    ['JSON that is not an object', craft([1, 2])],
    ['JSON null', craft(null)],
    ['an unknown key', craft({ ...valid, $where: 'true' })],
    ['another version', craft({ ...valid, v: 2 })],
    ['an unknown order', craft({ ...valid, o: 'name' })],
    ['a short fingerprint', craft({ ...valid, f: 'abc' })],
    ['a key that is not a time', craft({ ...valid, k: 'yesterday' })],
    ['a key beyond the Date range', craft({ ...valid, k: 8.64e15 + 1 })],
    ['a fractional key', craft({ ...valid, k: 1.5 })],
    ['an id that is not hex', craft({ ...valid, i: 'z'.repeat(24) })],
    ['an id object', craft({ ...valid, i: { $ne: null } })],
    ['a snapshot that is not a time', craft({ ...valid, s: 'now' })],
  ])('refuses %s', (_, cursor) => {
    expect(refusal(cursor)).toMatch(NOT_OURS);
  });

  it('refuses a snapshot where the order needs none, and its absence where it needs one', () => {
    expect(refusal(craft({ ...valid, s: 1 }), false)).toMatch(NOT_OURS);
    expect(refusal(craft(valid), true)).toMatch(NOT_OURS);
  });

  it('names another argument when asked', () => {
    const error = catchError(() => decodePageCursor(1, scope, false, 'cursor'));
    expect((error as InvalidArgumentError).argument).toBe('cursor');
  });
});
