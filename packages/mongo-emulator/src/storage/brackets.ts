import { Binary, ObjectId, Timestamp } from 'bson';
import { type BsonValue, bsonTypeOf } from '../query/bson-types.js';
import type { RangeBound } from './index.js';

/**
 * The range of index keys one BSON type bracket spans. A comparison (`$gt`, `$lte`, …) only
 * matches values of its operand's type bracket (numbers of any width together, strings with
 * symbols, …), so a range with one open end ends where the bracket ends, as MongoDB's index
 * bounds do: `{$gt: 5}` reads `(5, inf.0]`, `{$gte: "a"}` reads `["a", {})`.
 */
export interface Bracket {
  start: RangeBound;
  end: RangeBound;
}

/** The smallest and largest dates MongoDB prints in index bounds (the int64 range of a BSON date). */
const MIN_DATE_LABEL = 'new Date(-9223372036854775808)';
const MAX_DATE_LABEL = 'new Date(9223372036854775807)';
/** JavaScript dates span ±8.64e15 ms: every date the emulator holds lies within. */
const JS_DATE_LIMIT = 8.64e15;

// NaN sorts below every other number and `$lt`/`$lte` match it, so the bracket starts there.
const NUMBERS: Bracket = {
  start: { value: Number.NaN, inclusive: true },
  end: { value: Number.POSITIVE_INFINITY, inclusive: true },
};
const STRINGS: Bracket = {
  start: { value: '', inclusive: true },
  end: { value: {}, inclusive: false },
};
const OBJECTS: Bracket = {
  start: { value: {}, inclusive: true },
  end: { value: [], inclusive: false },
};
const BINARIES: Bracket = {
  start: { value: new Binary(new Uint8Array(0), 0), inclusive: true },
  end: { value: new ObjectId('000000000000000000000000'), inclusive: false },
};
const OBJECT_IDS: Bracket = {
  start: { value: new ObjectId('000000000000000000000000'), inclusive: true },
  end: { value: new ObjectId('ffffffffffffffffffffffff'), inclusive: true },
};
const BOOLEANS: Bracket = {
  start: { value: false, inclusive: true },
  end: { value: true, inclusive: true },
};
const DATES: Bracket = {
  start: { value: new Date(-JS_DATE_LIMIT), inclusive: true, label: MIN_DATE_LABEL },
  end: { value: new Date(JS_DATE_LIMIT), inclusive: true, label: MAX_DATE_LABEL },
};
const TIMESTAMPS: Bracket = {
  start: { value: new Timestamp({ t: 0, i: 0 }), inclusive: true },
  end: { value: new Timestamp({ t: 0xffffffff, i: 0xffffffff }), inclusive: true },
};

/**
 * The type bracket of a value usable as an index bound, or undefined for values no range bound
 * can stand for (null and missing, arrays, regular expressions, MinKey/MaxKey, code, …).
 */
export function bracketOf(value: BsonValue): Bracket | undefined {
  switch (bsonTypeOf(value)) {
    case 'int':
    case 'long':
    case 'double':
    case 'decimal':
      return NUMBERS;
    case 'string':
    case 'symbol':
      return STRINGS;
    case 'object':
      return OBJECTS;
    case 'binData':
      return BINARIES;
    case 'objectId':
      return OBJECT_IDS;
    case 'bool':
      return BOOLEANS;
    case 'date':
      return Number.isNaN((value as Date).getTime()) ? undefined : DATES;
    case 'timestamp':
      return TIMESTAMPS;
    default:
      return undefined;
  }
}
