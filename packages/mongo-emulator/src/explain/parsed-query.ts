import type { Document } from 'bson';
import { type BsonValue, isPlainDocument } from '../query/bson-types.js';
import { isOperatorObject } from '../query/operator-object.js';
import { isRegexValue } from '../query/regex.js';

/** One predicate of a parsed query: `{path: {$op: operand}}` or a logical node. */
type Predicate = Document;

function fieldPredicates(path: string, condition: BsonValue): Predicate[] {
  if (isRegexValue(condition)) return [{ [path]: regexForm(condition) }];
  if (!isOperatorObject(condition)) {
    return [{ [path]: { $eq: condition } }];
  }
  const out: Predicate[] = [];
  for (const [operator, operand] of Object.entries(condition)) {
    if (operator === '$options') continue;
    if (operator === '$regex') {
      out.push({ [path]: regexForm(operand, condition.$options) });
    } else if (operator === '$in' && Array.isArray(operand) && operand.length === 1) {
      // MongoDB rewrites a one-element $in to an equality.
      out.push({ [path]: { $eq: operand[0] } });
    } else if (operator === '$not' && isPlainDocument(operand)) {
      const inner = fieldPredicates(path, operand);
      out.push({ [path]: { $not: inner.length === 1 ? (inner[0] as Document)[path] : inner } });
    } else {
      out.push({ [path]: { [operator]: operand } });
    }
  }
  return out;
}

function regexForm(value: BsonValue, options?: BsonValue): Document {
  if (value instanceof RegExp) {
    return value.flags === ''
      ? { $regex: value.source }
      : { $regex: value.source, $options: value.flags };
  }
  if (isRegexValue(value)) {
    const { pattern, options: flags } = value as { pattern: string; options: string };
    return flags === '' ? { $regex: pattern } : { $regex: pattern, $options: flags };
  }
  return typeof options === 'string' && options !== ''
    ? { $regex: value, $options: options }
    : { $regex: value };
}

/** A filter's predicates in operator form (its top-level conjuncts, `$and` flattened). */
export function predicates(filter: Document): Predicate[] {
  const out: Predicate[] = [];
  for (const [key, value] of Object.entries(filter)) {
    if (key === '$comment') continue;
    if (key === '$and' && Array.isArray(value)) {
      for (const clause of value) if (isPlainDocument(clause)) out.push(...predicates(clause));
    } else if ((key === '$or' || key === '$nor') && Array.isArray(value)) {
      const branches = value.filter(isPlainDocument).map((clause) => combine(predicates(clause)));
      out.push(
        key === '$or' && branches.length === 1 ? (branches[0] as Document) : { [key]: branches },
      );
    } else if (key.startsWith('$')) {
      out.push({ [key]: value });
    } else {
      out.push(...fieldPredicates(key, value));
    }
  }
  return out;
}

/** Predicates as one filter: nothing, the predicate, or their `$and`. */
export function combine(parts: Predicate[]): Document {
  if (parts.length === 0) return {};
  if (parts.length === 1) return parts[0] as Document;
  return { $and: parts };
}

/**
 * A filter as explain's `parsedQuery` shows it: every predicate in its operator form
 * (`{a: 1}` → `{a: {$eq: 1}}`), top-level conjuncts under one `$and`. Predicates keep the order of
 * the filter (MongoDB orders them by its own rules).
 */
export function parsedQuery(filter: Document): Document {
  return combine(predicates(filter));
}
