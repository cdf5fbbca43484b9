import { type Document, Timestamp } from 'bson';
import { CommandError, ErrorCode } from '../errors.js';

/** What a resume token marks: an event, the invalidate that follows it, or a plain position. */
export type TokenKind = 'event' | 'invalidate' | 'position';

/** The decoded form of a resume token's `_data`. */
export interface ResumePoint {
  /** Cluster time of the log entry (for `position` tokens: the earliest time still to report). */
  clusterTime: Timestamp;
  /** Sequence number of the log entry the token belongs to (or that the position follows). */
  seq: number;
  kind: TokenKind;
}

const VERSION_PREFIX = '82';
const KIND_CODES: Record<TokenKind, string> = { event: '00', invalidate: '01', position: '02' };
const TOKEN_PATTERN = /^82([0-9a-f]{8})([0-9a-f]{8})([0-9a-f]{16})(0[0-2])$/;

function hex(value: number, width: number): string {
  return value.toString(16).padStart(width, '0');
}

/**
 * Encodes a resume point as MongoDB-shaped token `{_data: <hex>}`. The hex string has a fixed
 * width, so tokens compare in event order as plain strings.
 */
export function encodeResumeToken(point: ResumePoint): { _data: string } {
  const data =
    VERSION_PREFIX +
    hex(point.clusterTime.t, 8) +
    hex(point.clusterTime.i, 8) +
    hex(point.seq, 16) +
    KIND_CODES[point.kind];
  return { _data: data };
}

/** Decodes a token produced by {@link encodeResumeToken}; throws MongoDB's errors otherwise. */
export function decodeResumeToken(token: unknown, optionName: string): ResumePoint {
  if (typeof token !== 'object' || token === null || Array.isArray(token)) {
    throw new CommandError(
      ErrorCode.TypeMismatch,
      `BSON field '$changeStream.${optionName}' is the wrong type, expected type 'object'`,
    );
  }
  const data = (token as Document)._data;
  if (typeof data !== 'string') {
    throw new CommandError(
      ErrorCode.FailedToParse,
      `Bad resume token: _data of missing or of wrong type. Expected string, got ${describe(data)}`,
    );
  }
  const match = TOKEN_PATTERN.exec(data.toLowerCase());
  if (match === null) {
    throw new CommandError(ErrorCode.FailedToParse, `Bad resume token: ${data} is not valid`);
  }
  const [, t, i, seq, kind] = match as unknown as [string, string, string, string, string];
  const kinds: TokenKind[] = ['event', 'invalidate', 'position'];
  return {
    clusterTime: new Timestamp({ t: Number.parseInt(t, 16), i: Number.parseInt(i, 16) }),
    seq: Number.parseInt(seq, 16),
    kind: kinds[Number.parseInt(kind, 16)] ?? 'position',
  };
}

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  return typeof value;
}
