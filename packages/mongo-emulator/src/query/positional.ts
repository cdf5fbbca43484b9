import type { Document } from 'bson';
import { type BsonValue, isPlainDocument } from './bson-types.js';
import { getField, setField } from './fields.js';
import { compileFilter } from './matcher.js';
import { isOperatorObject } from './operator-object.js';

/** Operators that match an array as a whole, or by the absence of a match: they record no position. */
const NO_POSITION = new Set(['$size', '$exists', '$ne', '$nin', '$not', '$type']);

/** A copy of `doc` with the value at the path `parts` (through documents) replaced. */
function withValueAt(doc: Document, parts: string[], value: BsonValue): Document {
  const [head, ...rest] = parts as [string, ...string[]];
  const copy: Document = { ...doc };
  const inner = getField(doc, head);
  setField(
    copy,
    head,
    rest.length === 0 ? value : withValueAt(isPlainDocument(inner) ? inner : {}, rest, value),
  );
  return copy;
}

/**
 * The position, in the first array on `path`, of the first element through which the condition
 * `{path: condition}` matches `doc`; undefined when it matches through no array element.
 */
function leafPosition(doc: Document, path: string, condition: BsonValue): number | undefined {
  const predicate = compileFilter({ [path]: condition });
  const parts = path.split('.');
  let current: BsonValue = doc;
  for (let i = 0; i < parts.length; i++) {
    const value: BsonValue = isPlainDocument(current)
      ? getField(current, parts[i] as string)
      : undefined;
    if (Array.isArray(value)) {
      const prefix = parts.slice(0, i + 1);
      for (let j = 0; j < value.length; j++) {
        if (predicate(withValueAt(doc, prefix, [value[j]]))) return j;
      }
      return undefined;
    }
    if (!isPlainDocument(value)) return undefined;
    current = value;
  }
  return undefined;
}

/** The single-operator conditions a field's condition consists of, as MongoDB splits them. */
function leaves(condition: BsonValue): BsonValue[] {
  if (!isOperatorObject(condition)) return [condition];
  const out: BsonValue[] = [];
  for (const [operator, operand] of Object.entries(condition)) {
    if (operator === '$options' || NO_POSITION.has(operator)) continue;
    if (operator === '$regex') {
      out.push(
        condition.$options === undefined
          ? { $regex: operand }
          : { $regex: operand, $options: condition.$options },
      );
    } else if (operator === '$all' && Array.isArray(operand)) {
      for (const item of operand) {
        out.push(isPlainDocument(item) && '$elemMatch' in item ? item : { $eq: item });
      }
    } else {
      out.push({ [operator]: operand });
    }
  }
  return out;
}

/**
 * The array position MongoDB records while matching `filter` against `doc` (its "elemMatchKey"),
 * which the positional projection `arr.$` selects: each predicate that matches through an array
 * element records that element's position in the first array on its path, the last one recorded
 * winning (MongoDB documents several conditions on the projected array as undefined behaviour).
 * `$or` records through its first matching branch; `$nor`, `$expr` and negations record nothing.
 */
export function positionalKey(filter: Document, doc: Document): number | undefined {
  let key: number | undefined;
  const visit = (clause: Document): void => {
    for (const [name, condition] of Object.entries(clause)) {
      if (name === '$and' && Array.isArray(condition)) {
        for (const c of condition) if (isPlainDocument(c)) visit(c);
      } else if (name === '$or' && Array.isArray(condition)) {
        const branch = condition.find((c) => isPlainDocument(c) && compileFilter(c)(doc));
        if (isPlainDocument(branch)) visit(branch);
      } else if (!name.startsWith('$')) {
        for (const leaf of leaves(condition)) {
          const position = leafPosition(doc, name, leaf);
          if (position !== undefined) key = position;
        }
      }
    }
  };
  visit(filter);
  return key;
}
