import type { Binary, ObjectId, Timestamp } from 'bson';
import { type BsonValue, bsonTypeOf, canonicalTypeRank } from './bson-types.js';
import { compareNumeric, toNumeric } from './numeric.js';

function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  // MongoDB's simple collation compares UTF-8 bytes; UTF-16 order differs only with surrogates.
  if (/[\ud800-\udfff]/.test(a) || /[\ud800-\udfff]/.test(b)) {
    return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
  }
  return a < b ? -1 : 1;
}

function sign(n: number): number {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

function binaryBytes(value: Binary): Uint8Array {
  return value.buffer.subarray(0, value.position);
}

function timestampParts(value: Timestamp): [number, number] {
  return [value.high >>> 0, value.low >>> 0];
}

function regexParts(value: BsonValue): [string, string] {
  if (value instanceof RegExp) return [value.source, value.flags];
  const r = value as { pattern: string; options: string };
  return [r.pattern, r.options];
}

function compareDocuments(a: Record<string, unknown>, b: Record<string, unknown>): number {
  const ka = Object.keys(a).filter((k) => a[k] !== undefined);
  const kb = Object.keys(b).filter((k) => b[k] !== undefined);
  const n = Math.min(ka.length, kb.length);
  for (let i = 0; i < n; i++) {
    const fa = ka[i] as string;
    const fb = kb[i] as string;
    const va = a[fa];
    const vb = b[fb];
    const rank = canonicalTypeRank(bsonTypeOf(va)) - canonicalTypeRank(bsonTypeOf(vb));
    if (rank !== 0) return sign(rank);
    const name = compareStrings(fa, fb);
    if (name !== 0) return name;
    const value = compareValues(va, vb);
    if (value !== 0) return value;
  }
  return sign(ka.length - kb.length);
}

function compareArrays(a: unknown[], b: unknown[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareValues(a[i], b[i]);
    if (c !== 0) return c;
  }
  return sign(a.length - b.length);
}

/**
 * Compares two held values in MongoDB's BSON order (simple collation): first by canonical type,
 * then by value; numbers of different types compare by value. Missing compares as null.
 */
export function compareValues(a: BsonValue, b: BsonValue): number {
  const ta = bsonTypeOf(a);
  const tb = bsonTypeOf(b);
  const rank = canonicalTypeRank(ta) - canonicalTypeRank(tb);
  if (rank !== 0) return sign(rank);
  switch (ta) {
    case 'int':
    case 'long':
    case 'double':
    case 'decimal': {
      const na = toNumeric(a);
      const nb = toNumeric(b);
      return na && nb ? compareNumeric(na, nb) : 0;
    }
    case 'string':
    case 'symbol':
      return compareStrings(String(a), String(b));
    case 'object':
      return compareDocuments(a as Record<string, unknown>, b as Record<string, unknown>);
    case 'array':
      return compareArrays(a as unknown[], b as unknown[]);
    case 'binData': {
      const ba = a as Binary;
      const bb = b as Binary;
      const la = binaryBytes(ba);
      const lb = binaryBytes(bb);
      if (la.length !== lb.length) return sign(la.length - lb.length);
      if (ba.sub_type !== bb.sub_type) return sign(ba.sub_type - bb.sub_type);
      return sign(Buffer.compare(la, lb));
    }
    case 'objectId': {
      // Hex strings are ASCII: their UTF-16 order is their byte order.
      const ha = (a as ObjectId).toHexString();
      const hb = (b as ObjectId).toHexString();
      return ha === hb ? 0 : ha < hb ? -1 : 1;
    }
    case 'bool':
      return sign(Number(a) - Number(b));
    case 'date':
      return sign((a as Date).getTime() - (b as Date).getTime());
    case 'timestamp': {
      const [at, ai] = timestampParts(a as Timestamp);
      const [bt, bi] = timestampParts(b as Timestamp);
      return at !== bt ? sign(at - bt) : sign(ai - bi);
    }
    case 'regex': {
      const [ap, af] = regexParts(a);
      const [bp, bf] = regexParts(b);
      return compareStrings(ap, bp) || compareStrings(af, bf);
    }
    case 'javascript':
      return compareStrings(
        String((a as { code?: unknown }).code ?? a),
        String((b as { code?: unknown }).code ?? b),
      );
    default:
      return 0;
  }
}

/** True when two held values are equal under MongoDB's comparison (1 == 1.0 == Long(1)). */
export function valuesEqual(a: BsonValue, b: BsonValue): boolean {
  return compareValues(a, b) === 0;
}
