import type { Document } from 'bson';
import { type BsonValue, isPlainDocument } from '../query/bson-types.js';
import { setField } from '../query/fields.js';
import { keyString } from '../query/key-string.js';
import { isOperatorObject } from '../query/operator-object.js';
import { isRegexValue } from '../query/regex.js';
import type { IndexBounds, RangeBound } from './index.js';

/**
 * Filtering on index keys before fetching documents, as MongoDB's IXSCAN `filter` does.
 *
 * For an index that is not multikey, an entry's key holds each key field's value exactly as the
 * document does — except that a missing field is `null`. A predicate that cannot tell `null` from
 * missing (comparisons, equality, `$in`, `$ne`, `$nin`, `$not` of those, and `$and`/`$or`/`$nor`
 * of such predicates) therefore gives the same answer on the key as on the document, and an entry
 * whose key fails one of the filter's conjuncts can be skipped without reading its document.
 */

/** Operators whose answer on a key is their answer on the document (no `$exists`, `$type`, …). */
const KEY_OPERATORS = new Set(['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin']);

/** True when a field condition can be evaluated on the field's key value. */
function keyCondition(condition: BsonValue): boolean {
  if (isRegexValue(condition)) return true;
  if (!isOperatorObject(condition)) return true;
  return Object.entries(condition).every(([operator, operand]) => {
    if (operator === '$not') return isOperatorObject(operand) && keyCondition(operand);
    return KEY_OPERATORS.has(operator);
  });
}

/** True when every predicate of `filter` is on one of `fields` and evaluable on keys. */
function onKeys(filter: BsonValue, fields: ReadonlySet<string>): boolean {
  if (!isPlainDocument(filter)) return false;
  return Object.entries(filter).every(([key, value]) => {
    if (key === '$comment') return true;
    if (key === '$and' || key === '$or' || key === '$nor') {
      return (
        Array.isArray(value) && value.length > 0 && value.every((clause) => onKeys(clause, fields))
      );
    }
    return !key.startsWith('$') && fields.has(key) && keyCondition(value);
  });
}

/**
 * A filter's top-level conjuncts (through `$and`), each as a one-field filter, one per operator
 * (`{a: {$gt: 1, $lt: 5}}` is `{a: {$gt: 1}}` and `{a: {$lt: 5}}`), or one logical operator.
 */
function conjuncts(filter: Document, out: Document[]): void {
  for (const [key, value] of Object.entries(filter)) {
    if (key === '$and' && Array.isArray(value)) {
      for (const clause of value) if (isPlainDocument(clause)) conjuncts(clause, out);
    } else if (!key.startsWith('$') && isOperatorObject(value) && !('$regex' in value)) {
      for (const [operator, operand] of Object.entries(value))
        out.push({ [key]: { [operator]: operand } });
    } else {
      out.push({ [key]: value });
    }
  }
}

/** The conjunct as a field predicate, when it is one. */
function fieldPredicate(conjunct: Document): FieldPredicate | undefined {
  const [path, condition] = Object.entries(conjunct)[0] ?? [];
  if (path === undefined || path.startsWith('$')) return undefined;
  if (isRegexValue(condition)) return undefined;
  if (!isOperatorObject(condition)) return { path, operator: '$eq', operand: condition };
  const [operator, operand] = Object.entries(condition)[0] ?? [];
  return operator === undefined ? undefined : { path, operator, operand };
}

/** The key fields of an index whose keys can stand for its documents' values (no path inside another). */
function keyFields(fields: readonly string[]): Set<string> | undefined {
  for (const a of fields) {
    if (fields.some((b) => b !== a && b.startsWith(`${a}.`))) return undefined;
  }
  return new Set(fields);
}

/**
 * The part of `filters` (all of which every result satisfies) that can be tested on the keys of an
 * index with `fields` and that reading `scans` does not already guarantee, as one filter;
 * undefined when there is none.
 */
export function keyFilterFor(
  filters: readonly Document[],
  fields: readonly string[],
  scans: readonly IndexBounds[],
): Document | undefined {
  const usable = keyFields(fields);
  if (usable === undefined) return undefined;
  const parts: Document[] = [];
  for (const filter of filters) conjuncts(filter, parts);
  const selected = parts.filter((part) => {
    if (!onKeys(part, usable)) return false;
    const single = fieldPredicate(part);
    return !(single && servedByBounds(single, fields, scans));
  });
  if (selected.length === 0) return undefined;
  return selected.length === 1 ? selected[0] : { $and: selected };
}

/** True when two value lists hold the same values (as sets, by MongoDB equality). */
export function sameValues(values: readonly unknown[], expected: readonly unknown[]): boolean {
  // The planner reads the operands themselves: usually the very same values.
  if (values.length === expected.length && values.every((v, i) => v === expected[i])) return true;
  if (values.length === 1 && expected.length === 1) {
    return keyString(values[0]) === keyString(expected[0]);
  }
  const a = new Set(values.map((v) => keyString(v)));
  const b = new Set(expected.map((v) => keyString(v)));
  return a.size === b.size && [...a].every((key) => b.has(key));
}

function sameBound(bound: RangeBound | undefined, operand: unknown, inclusive: boolean): boolean {
  return (
    bound !== undefined &&
    bound.inclusive === inclusive &&
    (bound.value === operand || keyString(bound.value) === keyString(operand))
  );
}

/** One field predicate: `{path: {operator: operand}}`. */
export interface FieldPredicate {
  path: string;
  operator: string;
  operand: unknown;
}

/**
 * True when reading `scans` of an index with `fields` already guarantees the predicate: an
 * equality (or `$in`) on an equality-prefix field naming exactly the values read, or the range
 * bound read on the next field.
 */
export function servedByBounds(
  predicate: FieldPredicate,
  fields: readonly string[],
  scans: readonly IndexBounds[],
): boolean {
  const first = scans[0];
  if (first === undefined) return false;
  const k = first.prefix.length;
  const at = fields.indexOf(predicate.path);
  if (at < 0 || at > k) return false;
  const { operator, operand } = predicate;
  if (at < k) {
    const scanned = scans.map((scan) => scan.prefix[at]);
    if (operator === '$eq') return sameValues(scanned, [operand]);
    if (operator === '$in' && Array.isArray(operand)) return sameValues(scanned, operand);
    return false;
  }
  if (operator === '$gt' || operator === '$gte')
    return sameBound(first.lower, operand, operator === '$gte');
  if (operator === '$lt' || operator === '$lte')
    return sameBound(first.upper, operand, operator === '$lte');
  return false;
}

/** The document an index key stands for: each key field at its path, `null` when missing. */
export function keyDocument(fields: readonly string[], values: readonly BsonValue[]): Document {
  const doc: Document = {};
  fields.forEach((field, i) => {
    const value = values[i] === undefined ? null : values[i];
    if (!field.includes('.')) {
      setField(doc, field, value);
      return;
    }
    const parts = field.split('.');
    let current: Document = doc;
    for (const part of parts.slice(0, -1)) {
      let next = Object.hasOwn(current, part) ? current[part] : undefined;
      if (!isPlainDocument(next)) {
        next = {};
        setField(current, part, next);
      }
      current = next as Document;
    }
    setField(current, parts[parts.length - 1] as string, value);
  });
  return doc;
}
