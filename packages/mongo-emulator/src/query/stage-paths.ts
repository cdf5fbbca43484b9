import type { Document } from 'bson';
import { type BsonValue, isPlainDocument } from './bson-types.js';
import { deleteField, getField, setField } from './fields.js';

/** A copy of a document whose embedded documents are copied too (arrays and values shared). */
export function structuredCloneDoc(doc: Document): Document {
  const copy: Document = {};
  for (const [k, v] of Object.entries(doc))
    setField(copy, k, isPlainDocument(v) ? structuredCloneDoc(v) : v);
  return copy;
}

/**
 * Sets the value at a dotted path as aggregation stages do, replacing whatever is not a document
 * on the way with an empty document.
 */
export function assign(doc: Document, path: string, value: BsonValue): void {
  const parts = path.split('.');
  let current: Document = doc;
  for (const part of parts.slice(0, -1)) {
    if (!isPlainDocument(getField(current, part))) setField(current, part, {});
    current = getField(current, part) as Document;
  }
  setField(current, parts[parts.length - 1] as string, value);
}

/** Removes the field at a dotted path, if the path reaches one through documents. */
export function removeAt(doc: Document, path: string): void {
  const parts = path.split('.');
  let current: BsonValue = doc;
  for (const part of parts.slice(0, -1)) {
    current = isPlainDocument(current) ? getField(current, part) : undefined;
  }
  if (isPlainDocument(current)) deleteField(current, parts[parts.length - 1] as string);
}
