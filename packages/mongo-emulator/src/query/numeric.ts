import { Decimal128, Double, Int32, Long } from 'bson';
import { type BsonValue, bsonTypeOf } from './bson-types.js';

/** A numeric value with its BSON type: `int` and `long` hold a bigint, `double` and `decimal` a number. */
export type Numeric =
  | { type: 'int'; value: bigint }
  | { type: 'long'; value: bigint }
  | { type: 'double'; value: number }
  | { type: 'decimal'; value: number; text: string };

const INT32_MIN = -2147483648n;
const INT32_MAX = 2147483647n;
const INT64_MIN = -9223372036854775808n;
const INT64_MAX = 9223372036854775807n;

/** Reads a held numeric value, or returns undefined for non-numbers. */
export function toNumeric(value: BsonValue): Numeric | undefined {
  const type = bsonTypeOf(value);
  switch (type) {
    case 'int':
      return { type: 'int', value: BigInt(Number(numberOf(value))) };
    case 'long':
      return {
        type: 'long',
        value: typeof value === 'bigint' ? value : BigInt((value as Long).toString()),
      };
    case 'double':
      return { type: 'double', value: numberOf(value) };
    case 'decimal': {
      const text = (value as Decimal128).toString();
      return { type: 'decimal', value: decimalToNumber(text), text };
    }
    default:
      return undefined;
  }
}

function numberOf(value: BsonValue): number {
  if (typeof value === 'number') return value;
  if (value instanceof Int32 || value instanceof Double) return value.value;
  const inner = (value as { value?: unknown }).value;
  return typeof inner === 'number' ? inner : Number(value);
}

function decimalToNumber(text: string): number {
  if (text === 'NaN' || text === '-NaN') return Number.NaN;
  if (text === 'Infinity') return Number.POSITIVE_INFINITY;
  if (text === '-Infinity') return Number.NEGATIVE_INFINITY;
  return Number(text);
}

/** The value of a numeric as a JS number (Long beyond 2^53 loses precision). */
export function numericToNumber(n: Numeric): number {
  return typeof n.value === 'bigint' ? Number(n.value) : n.value;
}

/** A JS number (or undefined) for any held numeric value. */
export function asNumber(value: BsonValue): number | undefined {
  const n = toNumeric(value);
  return n === undefined ? undefined : numericToNumber(n);
}

/**
 * Compares two numerics by value across types. NaN sorts before every other number and equals NaN,
 * as in MongoDB.
 */
export function compareNumeric(a: Numeric, b: Numeric): number {
  if (typeof a.value === 'bigint' && typeof b.value === 'bigint') {
    return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
  }
  if (typeof a.value === 'bigint') return -compareFloatToBigint(b.value as number, a.value);
  if (typeof b.value === 'bigint') return compareFloatToBigint(a.value, b.value);
  return compareFloats(a.value, b.value);
}

function compareFloats(a: number, b: number): number {
  const aNaN = Number.isNaN(a);
  const bNaN = Number.isNaN(b);
  if (aNaN || bNaN) return aNaN && bNaN ? 0 : aNaN ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareFloatToBigint(a: number, b: bigint): number {
  if (Number.isNaN(a)) return -1;
  if (a === Number.POSITIVE_INFINITY) return 1;
  if (a === Number.NEGATIVE_INFINITY) return -1;
  const floor = Math.floor(a);
  const whole = BigInt(floor);
  if (whole < b) return -1;
  if (whole > b) return 1;
  return a > floor ? 1 : 0;
}

/** Turns a computed numeric back into the held value that serialises with the right BSON type. */
export function fromNumeric(n: Numeric): BsonValue {
  switch (n.type) {
    case 'int':
      return Number(n.value);
    case 'long':
      return Long.fromBigInt(n.value);
    case 'double':
      return Number.isInteger(n.value) || Object.is(n.value, -0) ? new Double(n.value) : n.value;
    case 'decimal':
      return Decimal128.fromString(n.text);
  }
}

function widen(a: Numeric, b: Numeric): Numeric['type'] {
  const rank = { int: 0, long: 1, double: 2, decimal: 3 } as const;
  return rank[a.type] >= rank[b.type] ? a.type : b.type;
}

function decimalFromNumber(value: number): Numeric {
  const text = Number.isFinite(value)
    ? String(value)
    : Number.isNaN(value)
      ? 'NaN'
      : value > 0
        ? 'Infinity'
        : '-Infinity';
  return { type: 'decimal', value, text };
}

/**
 * Applies `+` or `*` with MongoDB's type promotion (int → long on overflow, long overflow is an
 * error, anything with a double gives a double, anything with a decimal gives a decimal).
 * Returns undefined when a long overflows.
 */
export function arithmetic(a: Numeric, b: Numeric, op: 'add' | 'multiply'): Numeric | undefined {
  const type = widen(a, b);
  if (type === 'decimal') {
    const value =
      op === 'add'
        ? numericToNumber(a) + numericToNumber(b)
        : numericToNumber(a) * numericToNumber(b);
    return decimalFromNumber(value);
  }
  if (type === 'double') {
    const value =
      op === 'add'
        ? numericToNumber(a) + numericToNumber(b)
        : numericToNumber(a) * numericToNumber(b);
    return { type: 'double', value };
  }
  const x = a.value as bigint;
  const y = b.value as bigint;
  const result = op === 'add' ? x + y : x * y;
  if (type === 'int' && result >= INT32_MIN && result <= INT32_MAX)
    return { type: 'int', value: result };
  if (result >= INT64_MIN && result <= INT64_MAX) return { type: 'long', value: result };
  return undefined;
}
