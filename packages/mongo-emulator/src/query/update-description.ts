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
  /** The parts of each ambiguous path above (shown to streams with `showExpandedEvents`). */
  disambiguatedPaths: Document;
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

type Parts = ReadonlyArray<string | number>;

/**
 * Notes the parts of `path` when reading it back is ambiguous — a part is an array index, or a
 * field name that is a number or holds a dot — as MongoDB's `disambiguatedPaths` does.
 */
function noteParts(path: string, parts: Parts, out: UpdateDescription): void {
  const ambiguous = parts.some(
    (part) => typeof part === 'number' || /^[0-9]+$/.test(part) || part.includes('.'),
  );
  if (ambiguous) setField(out.disambiguatedPaths, path, [...parts]);
}

function updated(path: string, parts: Parts, value: BsonValue, out: UpdateDescription): void {
  setField(out.updatedFields, path, cloneValue(value));
  noteParts(path, parts, out);
}

function diffArrays(
  path: string,
  parts: Parts,
  a: unknown[],
  b: unknown[],
  out: UpdateDescription,
): void {
  const common = Math.min(a.length, b.length);
  const changed: number[] = [];
  for (let i = 0; i < common; i++) if (!same(a[i], b[i])) changed.push(i);
  if (changed.length > common / 2 && changed.length > 1) {
    updated(path, parts, b, out);
    return;
  }
  for (const i of changed) updated(`${path}.${i}`, [...parts, i], b[i], out);
  for (let i = a.length; i < b.length; i++) updated(`${path}.${i}`, [...parts, i], b[i], out);
  if (b.length < a.length) {
    out.truncatedArrays.push({ field: path, newSize: b.length });
    noteParts(path, parts, out);
  }
}

function diffDocuments(
  prefix: string,
  parts: Parts,
  a: Document,
  b: Document,
  out: UpdateDescription,
): void {
  for (const [key, value] of Object.entries(b)) {
    const path = prefix + key;
    const keyParts = [...parts, key];
    const before = getField(a, key);
    if (before === undefined) updated(path, keyParts, value, out);
    else if (isPlainDocument(before) && isPlainDocument(value))
      diffDocuments(`${path}.`, keyParts, before, value, out);
    else if (Array.isArray(before) && Array.isArray(value))
      diffArrays(path, keyParts, before, value, out);
    else if (!same(before, value)) updated(path, keyParts, value, out);
  }
  for (const key of Object.keys(a)) {
    if (getField(a, key) !== undefined && getField(b, key) === undefined) {
      out.removedFields.push(prefix + key);
      noteParts(prefix + key, [...parts, key], out);
    }
  }
}

/** Computes the `updateDescription` of an update from the document before and after it. */
export function describeUpdate(before: Document, after: Document): UpdateDescription {
  const out: UpdateDescription = {
    updatedFields: {},
    removedFields: [],
    truncatedArrays: [],
    disambiguatedPaths: {},
  };
  diffDocuments('', [], before, after, out);
  return out;
}
