import type { Binary, Long, ObjectId, Timestamp } from 'bson';
import { type BsonValue, bsonTypeOf } from './bson-types.js';
import { asNumber } from './numeric.js';

function formatNumber(value: BsonValue, type: string): string {
  const n = asNumber(value) ?? 0;
  if (type === 'long') return (value as Long).toString();
  if (type === 'decimal') return `NumberDecimal("${String(value)}")`;
  if (type === 'double' && Number.isInteger(n)) return `${n}.0`;
  return String(n);
}

/**
 * Renders a value the way mongod prints BSON in error messages: `{ name: "x" }` when `spaced`
 * (duplicate-key messages), `{name: "x"}` otherwise (update error messages).
 */
export function formatValue(value: BsonValue, spaced = true): string {
  const type = bsonTypeOf(value);
  switch (type) {
    case 'missing':
    case 'undefined':
      return 'undefined';
    case 'null':
      return 'null';
    case 'int':
    case 'long':
    case 'double':
    case 'decimal':
      return formatNumber(value, type);
    case 'string':
      return JSON.stringify(value);
    case 'bool':
      return String(value);
    case 'date':
      return `new Date(${(value as Date).getTime()})`;
    case 'objectId':
      return `ObjectId('${(value as ObjectId).toHexString()}')`;
    case 'timestamp': {
      const ts = value as Timestamp;
      return `Timestamp(${ts.high >>> 0}, ${ts.low >>> 0})`;
    }
    case 'binData': {
      const bin = value as Binary;
      return `BinData(${bin.sub_type}, ${Buffer.from(bin.buffer.subarray(0, bin.position)).toString('hex').toUpperCase()})`;
    }
    case 'regex':
      return value instanceof RegExp ? `/${value.source}/${value.flags}` : String(value);
    case 'minKey':
      return 'MinKey';
    case 'maxKey':
      return 'MaxKey';
    case 'array': {
      const items = (value as unknown[]).map((v) => formatValue(v, spaced));
      if (items.length === 0) return '[]';
      return spaced ? `[ ${items.join(', ')} ]` : `[${items.join(', ')}]`;
    }
    case 'object': {
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${k}: ${formatValue(v, spaced)}`);
      if (entries.length === 0) return '{}';
      return spaced ? `{ ${entries.join(', ')} }` : `{${entries.join(', ')}}`;
    }
    default:
      return String(value);
  }
}
