import { type BsonValue, bsonTypeOf } from './bson-types.js';
import { setField } from './fields.js';
import { asNumber } from './numeric.js';

/**
 * A copy of a value for mingo: numeric wrappers (Int32, Double, Long, Decimal128) become JS
 * numbers, everything else is kept. mingo computes aggregation expressions on this view.
 */
export function toPlain(value: BsonValue): BsonValue {
  if (value === null || typeof value !== 'object') {
    return typeof value === 'bigint' ? Number(value) : value;
  }
  if (Array.isArray(value)) return value.map(toPlain);
  const type = bsonTypeOf(value);
  if (type === 'int' || type === 'long' || type === 'double' || type === 'decimal') {
    return asNumber(value);
  }
  if (type !== 'object' || '_bsontype' in value) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>))
    setField(out, k, toPlain(v));
  return out;
}
