import { badValue } from '../errors.js';
import { type Binary, type BsonValue, bsonTypeOf } from './bson-types.js';
import { formatValue } from './format.js';
import { toNumeric } from './numeric.js';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INT32_MAX = 2 ** 31 - 1;

/** A held value as a signed 64-bit integer, or undefined when it is not one. */
function asInt64(value: BsonValue): bigint | undefined {
  const n = toNumeric(value);
  if (n === undefined) return undefined;
  if (typeof n.value === 'bigint') return n.value;
  if (!Number.isInteger(n.value)) return undefined;
  const big = n.type === 'decimal' && /^-?\d+$/.test(n.text) ? BigInt(n.text) : BigInt(n.value);
  return big >= INT64_MIN && big <= INT64_MAX ? big : undefined;
}

/** The bytes of a BinData value. */
function binaryBytes(value: BsonValue): Uint8Array {
  return (value as Binary).buffer.subarray(0, (value as Binary).position);
}

/** The bit positions an operand names (a position list, a numeric bitmask or a BinData bitmask). */
function bitPositions(operator: string, operand: BsonValue): number[] {
  if (Array.isArray(operand)) {
    return operand.map((item) => {
      const n = toNumeric(item);
      if (n === undefined) {
        throw badValue(`bit positions must be an integer but got: ${formatValue(item)}`);
      }
      const position = Number(n.value);
      if (!Number.isInteger(position)) {
        throw badValue(`bit positions must be an integer but got: ${formatValue(item)}`);
      }
      if (position < 0) {
        throw badValue(`bit positions cannot be negative but got: ${formatValue(item)}`);
      }
      if (position > INT32_MAX) {
        throw badValue(
          `bit positions cannot be represented as a 32-bit signed integer: ${formatValue(item)}`,
        );
      }
      return position;
    });
  }
  if (bsonTypeOf(operand) === 'binData') {
    const positions: number[] = [];
    binaryBytes(operand).forEach((byte, i) => {
      for (let bit = 0; bit < 8; bit += 1) if (byte & (1 << bit)) positions.push(i * 8 + bit);
    });
    return positions;
  }
  if (toNumeric(operand) !== undefined) {
    const mask = asInt64(operand);
    if (mask === undefined) {
      throw badValue(`${operator} cannot represent ${formatValue(operand)} as a 64-bit integer`);
    }
    if (mask < 0n)
      throw badValue(`${operator} bitmask cannot be negative: ${formatValue(operand)}`);
    const positions: number[] = [];
    for (let bit = 0; bit < 63; bit += 1) if ((mask >> BigInt(bit)) & 1n) positions.push(bit);
    return positions;
  }
  throw badValue(
    `${operator} takes an Array, a number, or a BinData but received: ${formatValue({ [operator]: operand })}`,
  );
}

/** Whether bit `position` of a value is set: numbers sign-extended, BinData zero-extended. */
type BitReader = (position: number) => boolean;

function bitReader(value: BsonValue): BitReader | undefined {
  if (bsonTypeOf(value) === 'binData') {
    const bytes = binaryBytes(value);
    return (position) => {
      const byte = bytes[position >> 3];
      return byte !== undefined && (byte & (1 << (position & 7))) !== 0;
    };
  }
  const n = asInt64(value);
  if (n === undefined) return undefined;
  const unsigned = BigInt.asUintN(64, n);
  return (position) => (position >= 64 ? n < 0n : ((unsigned >> BigInt(position)) & 1n) === 1n);
}

/**
 * The value test of `$bitsAllSet`, `$bitsAnySet`, `$bitsAllClear` or `$bitsAnyClear`: numbers that
 * are 64-bit integers and BinData match; every other value does not.
 */
export function bitTest(operator: string, operand: BsonValue): (value: BsonValue) => boolean {
  const positions = bitPositions(operator, operand);
  const wantSet = operator === '$bitsAllSet' || operator === '$bitsAnySet';
  const all = operator === '$bitsAllSet' || operator === '$bitsAllClear';
  return (value) => {
    const read = bitReader(value);
    if (read === undefined) return false;
    return all
      ? positions.every((p) => read(p) === wantSet)
      : positions.some((p) => read(p) === wantSet);
  };
}
