import type { Document } from 'bson';
import { badValue, notSupported } from '../errors.js';
import { type BsonValue, isPlainDocument } from './bson-types.js';
import { compareValues } from './compare.js';
import { asNumber } from './numeric.js';
import { pathValues } from './path.js';

/** A compiled sort order. */
export type Comparator = (a: Document, b: Document) => number;

/** The value a document sorts by for one path: min element ascending, max element descending. */
function sortKey(doc: Document, path: string, direction: number): BsonValue {
  const flat: BsonValue[] = [];
  for (const value of pathValues(doc, path)) {
    if (Array.isArray(value)) {
      if (value.length === 0) flat.push(undefined);
      else flat.push(...value);
    } else {
      flat.push(value);
    }
  }
  let best: BsonValue = flat[0];
  for (let i = 1; i < flat.length; i++) {
    const c = compareValues(flat[i], best);
    if (direction > 0 ? c < 0 : c > 0) best = flat[i];
  }
  return best ?? null;
}

/**
 * Compiles a sort specification (`{field: 1 | -1, …}`) into a comparator with MongoDB's BSON order
 * and array semantics. Returns undefined for an empty specification.
 */
export function compileSort(spec: BsonValue): Comparator | undefined {
  if (spec === undefined || spec === null) return undefined;
  if (!isPlainDocument(spec)) throw badValue('Expected field sort to be an object');
  const fields: Array<[string, number]> = [];
  for (const [path, direction] of Object.entries(spec)) {
    if (isPlainDocument(direction)) throw notSupported('$meta sort');
    const d = asNumber(direction);
    if (d !== 1 && d !== -1) {
      throw badValue('$sort key ordering must be 1 (for ascending) or -1 (for descending)');
    }
    fields.push([path, d]);
  }
  if (fields.length === 0) return undefined;
  return (a, b) => {
    for (const [path, direction] of fields) {
      const c = compareValues(sortKey(a, path, direction), sortKey(b, path, direction));
      if (c !== 0) return direction * c;
    }
    return 0;
  };
}
