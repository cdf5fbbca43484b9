import { type BsonValue, isPlainDocument } from './bson-types.js';
import { getField } from './fields.js';

const INDEX = /^(0|[1-9][0-9]*)$/;

/** True when a path component addresses an array position. */
export function isArrayIndex(part: string): boolean {
  return INDEX.test(part);
}

function collect(value: BsonValue, parts: string[], i: number, out: BsonValue[]): void {
  if (i === parts.length) {
    out.push(value);
    return;
  }
  const part = parts[i] as string;
  if (Array.isArray(value)) {
    if (isArrayIndex(part)) {
      const index = Number(part);
      collect(index < value.length ? value[index] : undefined, parts, i + 1, out);
      return;
    }
    let reached = false;
    for (const element of value) {
      if (isPlainDocument(element)) {
        reached = true;
        collect(element, parts, i, out);
      }
    }
    if (!reached) out.push(undefined);
    return;
  }
  if (isPlainDocument(value)) {
    collect(getField(value, part), parts, i + 1, out);
    return;
  }
  out.push(undefined);
}

/**
 * The values a dotted path reaches in a document, descending into arrays of documents as MongoDB's
 * query engine does. A path that ends nowhere yields `undefined` (missing). Leaf arrays are returned
 * as they are; matchers also test their elements.
 */
export function pathValues(doc: BsonValue, path: string): BsonValue[] {
  const out: BsonValue[] = [];
  collect(doc, path.split('.'), 0, out);
  return out;
}

/** The single value at a dotted path, without array traversal other than numeric indexes. */
export function getPath(doc: BsonValue, path: string): BsonValue {
  let current: BsonValue = doc;
  for (const part of path.split('.')) {
    if (Array.isArray(current)) {
      if (!isArrayIndex(part)) return undefined;
      current = current[Number(part)];
    } else if (isPlainDocument(current)) {
      current = getField(current, part);
    } else {
      return undefined;
    }
    if (current === undefined) return undefined;
  }
  return current;
}
