import { Decimal128, Double, Int32, Long } from 'bson';

/**
 * The JS number of a BSON numeric value as the server decodes it (`number`, `Int32`, `Double`,
 * `Long`, `Decimal128`); undefined for anything else.
 */
export function numericValue(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (value instanceof Int32 || value instanceof Double) return value.value;
  if (value instanceof Long) return value.toNumber();
  if (value instanceof Decimal128) return Number(value.toString());
  return undefined;
}
