/** A plain object as the matcher sees it. */
export type PlainObject = Record<string, unknown>;

/** True for documents (plain objects), false for arrays, BSON values and primitives. */
export function isDocument(value: unknown): value is PlainObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * The BSON type tag of a value (`_bsontype`). Compared by tag, not `instanceof`: the driver may
 * carry its own copy of the bson library.
 */
function bsonTag(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const tag = (value as { _bsontype?: unknown })._bsontype;
  return typeof tag === 'string' ? tag : undefined;
}

/** The numeric value of an int, long, double or JS number; undefined for anything else. */
export function numericValue(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  const tag = bsonTag(value);
  if (tag === 'Int32' || tag === 'Double') return (value as { valueOf(): number }).valueOf();
  if (tag === 'Long') return (value as { toNumber(): number }).toNumber();
  return undefined;
}

const TYPE_BY_TAG: Readonly<Record<string, string>> = {
  Int32: 'int',
  Double: 'double',
  Long: 'long',
  Decimal128: 'decimal',
  ObjectId: 'objectId',
  Timestamp: 'timestamp',
  Binary: 'binData',
  BSONRegExp: 'regex',
  MinKey: 'minKey',
  MaxKey: 'maxKey',
  Code: 'javascript',
  BSONSymbol: 'symbol',
  DBRef: 'object',
};

/** The BSON type names (as `$type` and the unified format spell them) a value may be. */
export function bsonTypeNames(value: unknown): string[] {
  if (value === undefined) return [];
  if (value === null) return ['null'];
  if (typeof value === 'string') return ['string'];
  if (typeof value === 'boolean') return ['bool'];
  if (typeof value === 'number') {
    // The driver promotes int32, int64 and integral doubles alike to JS numbers.
    if (!Number.isInteger(value)) return ['double'];
    return Math.abs(value) <= 2 ** 31 ? ['int', 'long', 'double'] : ['long', 'double'];
  }
  if (typeof value === 'bigint') return ['long'];
  const tag = bsonTag(value);
  if (tag !== undefined) return [TYPE_BY_TAG[tag] ?? tag];
  if (value instanceof Date) return ['date'];
  if (value instanceof Uint8Array) return ['binData'];
  if (value instanceof RegExp) return ['regex'];
  if (Array.isArray(value)) return ['array'];
  return ['object'];
}

interface TaggedValues {
  toHexString?: () => string;
  toString(): string;
  t?: number;
  i?: number;
  sub_type?: number;
  buffer?: Uint8Array;
  pattern?: string;
  options?: string;
}

/** Equality of two non-document, non-array values with the unified format's number rule. */
export function scalarEquals(expected: unknown, actual: unknown): boolean {
  const expectedNumber = numericValue(expected);
  if (expectedNumber !== undefined) {
    const actualNumber = numericValue(actual);
    return actualNumber !== undefined && actualNumber === expectedNumber;
  }
  if (expected instanceof Date) {
    return actual instanceof Date && actual.getTime() === expected.getTime();
  }
  const tag = bsonTag(expected);
  if (tag === undefined) return expected === actual;
  const want = expected as TaggedValues;
  const got = actual as TaggedValues;
  const actualTag = bsonTag(actual);
  switch (tag) {
    case 'Decimal128':
    case 'ObjectId':
      return actualTag === tag && got.toString() === want.toString();
    case 'Timestamp':
      return actualTag === tag && got.t === want.t && got.i === want.i;
    case 'Binary':
      return (
        actualTag === tag &&
        got.sub_type === want.sub_type &&
        Buffer.from(got.buffer ?? []).equals(Buffer.from(want.buffer ?? []))
      );
    case 'BSONRegExp':
      if (actual instanceof RegExp) return actual.source === want.pattern;
      return actualTag === tag && got.pattern === want.pattern && got.options === want.options;
    default:
      return actualTag === tag;
  }
}

/** A short printable form of a value for failure messages. */
export function show(value: unknown): string {
  try {
    return JSON.stringify(value, (_key, inner: unknown) =>
      typeof inner === 'bigint' ? `${inner}n` : inner,
    );
  } catch {
    return String(value);
  }
}
