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

/** One field of a sort specification: its path and direction (1 ascending, -1 descending). */
export type SortField = [path: string, direction: 1 | -1];

/**
 * Parses a sort specification (`{field: 1 | -1, …}`) into its fields, validating it as MongoDB
 * does. Returns undefined for a missing or empty specification.
 */
export function parseSort(spec: BsonValue): SortField[] | undefined {
  if (spec === undefined || spec === null) return undefined;
  if (!isPlainDocument(spec)) throw badValue('Expected field sort to be an object');
  const fields: SortField[] = [];
  for (const [path, direction] of Object.entries(spec)) {
    if (isPlainDocument(direction)) throw notSupported('$meta sort');
    const d = asNumber(direction);
    if (d !== 1 && d !== -1) {
      throw badValue('$sort key ordering must be 1 (for ascending) or -1 (for descending)');
    }
    fields.push([path, d]);
  }
  return fields.length === 0 ? undefined : fields;
}

/** The comparator of parsed sort fields (MongoDB's BSON order and array semantics). */
export function sortComparator(fields: readonly SortField[]): Comparator {
  return (a, b) => {
    for (const [path, direction] of fields) {
      const c = compareValues(sortKey(a, path, direction), sortKey(b, path, direction));
      if (c !== 0) return direction * c;
    }
    return 0;
  };
}

/**
 * Compiles a sort specification (`{field: 1 | -1, …}`) into a comparator with MongoDB's BSON order
 * and array semantics. Returns undefined for an empty specification.
 */
export function compileSort(spec: BsonValue): Comparator | undefined {
  const fields = parseSort(spec);
  return fields ? sortComparator(fields) : undefined;
}
