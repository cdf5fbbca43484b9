import { type BsonValue, bsonTypeOf } from './bson-types.js';
import { setField } from './fields.js';

/**
 * Deep-copies documents and arrays; BSON value objects (ObjectId, Long, Binary, …) are immutable in
 * the emulator and are shared, Dates are copied.
 */
export function cloneValue<T extends BsonValue>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => cloneValue(v)) as T;
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (bsonTypeOf(value) !== 'object' || '_bsontype' in value) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (v !== undefined) setField(out, k, cloneValue(v));
  }
  return out as T;
}
