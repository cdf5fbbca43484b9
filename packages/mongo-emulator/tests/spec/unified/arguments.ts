import type { Document } from 'bson';
import { ReadPreference, type ReadPreferenceMode } from 'mongodb';
import { numericValue } from './values.js';

/** Document-valued arguments the driver sends as they are (BSON numbers keep their type). */
const DOCUMENT_ARGUMENTS = new Set([
  'filter',
  'update',
  'document',
  'documents',
  'replacement',
  'pipeline',
  'projection',
  'requests',
  'arrayFilters',
  'validator',
  'comment',
  'hint',
  'let',
  'collation',
]);

/** Converts int32/int64/double values to JS numbers, deeply (for sort and index specs). */
export function toNumbers(value: unknown): unknown {
  const number = numericValue(value);
  if (number !== undefined) return number;
  if (Array.isArray(value)) return value.map(toNumbers);
  if (
    typeof value === 'object' &&
    value !== null &&
    Object.getPrototypeOf(value) === Object.prototype
  ) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, toNumbers(inner)]));
  }
  return value;
}

/** Operation arguments as driver options: numbers become JS numbers, documents stay as they are. */
export function toDriverOptions(args: Document): Document {
  const options: Document = {};
  for (const [key, value] of Object.entries(args)) {
    options[key] = DOCUMENT_ARGUMENTS.has(key) ? value : toNumbers(value);
  }
  // The format spells the enum `Before`/`After`; the Node driver wants lower case.
  if (typeof options.returnDocument === 'string') {
    options.returnDocument = options.returnDocument.toLowerCase();
  }
  // The format gives a read preference as `{mode, tags?}`; the driver wants a ReadPreference.
  const preference: unknown = options.readPreference;
  if (typeof preference === 'object' && preference !== null && 'mode' in preference) {
    const { mode, tags } = preference as { mode: ReadPreferenceMode; tags?: Document[] };
    options.readPreference = new ReadPreference(mode, tags);
  }
  return options;
}
