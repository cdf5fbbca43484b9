import type { Document } from 'bson';
import { isPlainDocument } from '../../query/bson-types.js';

/** The option order of MongoDB's `listCollections` (CollectionOptions::toBSON). */
const ORDER = [
  'capped',
  'size',
  'max',
  'validator',
  'validationLevel',
  'validationAction',
  'collation',
];

/**
 * The options a collection shows after `create`/`collMod`: MongoDB's order, and a validator's
 * `validationLevel`/`validationAction` filled in with their defaults (`strict`, `error`).
 */
export function normalizeOptions(options: Document): Document {
  const filled: Document = { ...options };
  if (isPlainDocument(filled.validator) && Object.keys(filled.validator).length > 0) {
    filled.validationLevel ??= 'strict';
    filled.validationAction ??= 'error';
  }
  const ordered: Document = {};
  for (const key of ORDER) {
    const value = filled[key];
    if (value === undefined) continue;
    // An empty validator is no validator (MongoDB does not show it).
    if (key === 'validator' && isPlainDocument(value) && Object.keys(value).length === 0) continue;
    ordered[key] = value;
  }
  return ordered;
}
