import type { Binary, ObjectId, Timestamp } from 'bson';
import { type BsonValue, bsonTypeOf } from './bson-types.js';
import { numericToNumber, toNumeric } from './numeric.js';

function numberKey(value: BsonValue): string {
  const n = toNumeric(value);
  if (!n) return 'n:?';
  if (typeof n.value === 'bigint') return `n:${n.value}`;
  const v = numericToNumber(n);
  if (Number.isNaN(v)) return 'n:NaN';
  if (Number.isInteger(v) && Math.abs(v) < 2 ** 63) return `n:${BigInt(v)}`;
  return `n:${v}`;
}

/**
 * A string that is equal for two values exactly when MongoDB's comparison finds them equal
 * (numbers by value across types, documents by field order and values). Used as hash key for `_id`
 * and index lookups.
 */
export function keyString(value: BsonValue): string {
  const type = bsonTypeOf(value);
  switch (type) {
    case 'missing':
    case 'undefined':
    case 'null':
      return 'z';
    case 'int':
    case 'long':
    case 'double':
    case 'decimal':
      return numberKey(value);
    case 'string':
    case 'symbol':
      return `s:${JSON.stringify(String(value))}`;
    case 'bool':
      return value ? 'T' : 'F';
    case 'date':
      return `d:${(value as Date).getTime()}`;
    case 'objectId':
      return `o:${(value as ObjectId).toHexString()}`;
    case 'timestamp': {
      const ts = value as Timestamp;
      return `t:${ts.high >>> 0}:${ts.low >>> 0}`;
    }
    case 'binData': {
      const bin = value as Binary;
      return `b:${bin.sub_type}:${Buffer.from(bin.buffer.subarray(0, bin.position)).toString('base64')}`;
    }
    case 'array':
      return `[${(value as unknown[]).map(keyString).join(',')}]`;
    case 'object':
      return `{${Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${JSON.stringify(k)}:${keyString(v)}`)
        .join(',')}}`;
    case 'regex':
      return value instanceof RegExp ? `r:${value.source}/${value.flags}` : `r:${String(value)}`;
    case 'minKey':
      return 'min';
    case 'maxKey':
      return 'max';
    default:
      return `x:${String(value)}`;
  }
}
