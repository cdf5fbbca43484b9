import { type BsonValue, isPlainDocument } from './bson-types.js';
import { compareValues } from './compare.js';
import { getField, setField } from './fields.js';
import { toPlain } from './plain.js';

function plainEqual(original: BsonValue, computed: BsonValue): boolean {
  const plain = toPlain(original);
  if (Array.isArray(plain) !== Array.isArray(computed)) return false;
  if (isPlainDocument(plain) !== isPlainDocument(computed)) return false;
  return compareValues(plain, computed) === 0;
}

/**
 * After mingo computed `computed` from the plain view of `original`, puts back the original held
 * values wherever the computation left them unchanged, so untouched Int32/Double/Long/Decimal128
 * values keep their BSON types.
 */
export function restoreTypes(original: BsonValue, computed: BsonValue): BsonValue {
  if (original !== undefined && plainEqual(original, computed)) return original;
  if (isPlainDocument(original) && isPlainDocument(computed)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(computed))
      setField(out, k, restoreTypes(getField(original, k), v));
    return out;
  }
  return computed;
}
