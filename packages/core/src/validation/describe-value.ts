import { ObjectId } from 'mongodb';

const MAX_DESCRIPTION_LENGTH = 80;

function truncate(text: string): string {
  return text.length > MAX_DESCRIPTION_LENGTH
    ? `${text.slice(0, MAX_DESCRIPTION_LENGTH - 1)}…`
    : text;
}

function describeObject(value: object): string {
  if (Array.isArray(value)) {
    return `an array of ${value.length} item${value.length === 1 ? '' : 's'}`;
  }
  if (value instanceof ObjectId) {
    return `ObjectId(${value.toHexString()})`;
  }
  if (value instanceof Date) {
    return Number.isNaN(value.getTime()) ? 'an invalid Date' : `Date ${value.toISOString()}`;
  }
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) {
    return `an instance of ${value.constructor?.name || 'an anonymous class'}`;
  }
  try {
    return `object ${truncate(JSON.stringify(value))}`;
  } catch {
    // JSON cannot describe it (a circular reference or a BigInt inside): name its keys instead.
    return `an object with keys ${truncate(Object.keys(value).join(', '))}`;
  }
}

/**
 * Describes a value for an error message: its type and, for small values, its content. Strings are
 * quoted, long descriptions are cut at 80 characters, and it never throws.
 *
 * @param value - Any value, including one that came from untrusted input.
 * @returns A short human-readable description, such as `string 'abc'` or `object {"$ne":null}`.
 *
 * @example
 * ```ts
 * describeValue({ $ne: null }); // 'object {"$ne":null}'
 * describeValue(Number.NaN); // 'number NaN'
 * ```
 */
export function describeValue(value: unknown): string {
  if (typeof value === 'object') {
    return value === null ? 'null' : describeObject(value);
  }
  switch (typeof value) {
    case 'string':
      return `string ${truncate(JSON.stringify(value))}`;
    case 'number':
      return `number ${String(value)}`;
    case 'bigint':
      return `bigint ${String(value)}n`;
    case 'boolean':
      return `boolean ${String(value)}`;
    case 'symbol':
      return value.toString();
    case 'function':
      return value.name ? `function ${value.name}` : 'an anonymous function';
    default:
      return 'undefined';
  }
}
