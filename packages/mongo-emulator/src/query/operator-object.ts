import { type BsonValue, isPlainDocument } from './bson-types.js';

/**
 * True when `value` has both `$ref` and `$id` (`allowIncomplete`: any of `$ref`, `$id`, `$db`): a
 * DBRef, whose `$`-prefixed names are fields rather than query operators.
 */
export function isDBRefDocument(value: Record<string, unknown>, allowIncomplete = false): boolean {
  const ref = Object.hasOwn(value, '$ref');
  const id = Object.hasOwn(value, '$id');
  if (ref && id) return true;
  return allowIncomplete && (ref || id || Object.hasOwn(value, '$db'));
}

/**
 * True when a field's condition is an operator document (`{$gt: 1}`) rather than a value to match
 * by equality: a non-empty document whose first name starts with `$` and that is not a DBRef
 * (MongoDB's `isExpressionDocument`).
 */
export function isOperatorObject(
  value: BsonValue,
  allowIncompleteDBRef = false,
): value is Record<string, BsonValue> {
  if (!isPlainDocument(value)) return false;
  const first = Object.keys(value)[0];
  if (first?.startsWith('$') !== true) return false;
  return !isDBRefDocument(value, allowIncompleteDBRef);
}
