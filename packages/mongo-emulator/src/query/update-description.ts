import type { Document } from 'bson';
import { type BsonValue, bsonTypeOf, isPlainDocument } from './bson-types.js';
import { cloneValue } from './clone.js';
import { compareValues } from './compare.js';
import { getField, setField } from './fields.js';

/** What an update changed, as change events describe it. */
export interface UpdateDescription {
  updatedFields: Document;
  removedFields: string[];
  truncatedArrays: Array<{ field: string; newSize: number }>;
}

function same(a: BsonValue, b: BsonValue): boolean {
  if (bsonTypeOf(a) !== bsonTypeOf(b)) return false;
  if (isPlainDocument(a) && isPlainDocument(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return (
      ka.length === kb.length &&
      ka.every((k, i) => k === kb[i] && same(getField(a, k), getField(b, k)))
    );
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => same(v, b[i]));
  }
  return compareValues(a, b) === 0;
}

function diffArrays(path: string, a: unknown[], b: unknown[], out: UpdateDescription): void {
  const common = Math.min(a.length, b.length);
  const changed: number[] = [];
  for (let i = 0; i < common; i++) if (!same(a[i], b[i])) changed.push(i);
  if (changed.length > common / 2 && changed.length > 1) {
    setField(out.updatedFields, path, cloneValue(b));
    return;
  }
  for (const i of changed) setField(out.updatedFields, `${path}.${i}`, cloneValue(b[i]));
  for (let i = a.length; i < b.length; i++)
    setField(out.updatedFields, `${path}.${i}`, cloneValue(b[i]));
  if (b.length < a.length) out.truncatedArrays.push({ field: path, newSize: b.length });
}

function diffDocuments(prefix: string, a: Document, b: Document, out: UpdateDescription): void {
  for (const [key, value] of Object.entries(b)) {
    const path = prefix + key;
    const before = getField(a, key);
    if (before === undefined) setField(out.updatedFields, path, cloneValue(value));
    else if (isPlainDocument(before) && isPlainDocument(value))
      diffDocuments(`${path}.`, before, value, out);
    else if (Array.isArray(before) && Array.isArray(value)) diffArrays(path, before, value, out);
    else if (!same(before, value)) setField(out.updatedFields, path, cloneValue(value));
  }
  for (const key of Object.keys(a)) {
    if (getField(a, key) !== undefined && getField(b, key) === undefined)
      out.removedFields.push(prefix + key);
  }
}

/** Computes the `updateDescription` of an update from the document before and after it. */
export function describeUpdate(before: Document, after: Document): UpdateDescription {
  const out: UpdateDescription = { updatedFields: {}, removedFields: [], truncatedArrays: [] };
  diffDocuments('', before, after, out);
  return out;
}
