import type { Document } from 'bson';
import { CommandError } from '../errors.js';
import { isPlainDocument } from './bson-types.js';
import { cloneValue } from './clone.js';
import { equalityFields } from './matcher.js';
import { writePath } from './update-paths.js';

/**
 * The document an upsert starts from: the filter's equality conditions (top-level `field: value`,
 * `$eq`, `$and` members; never `$or`), with dotted paths expanded, as MongoDB builds it.
 */
export function upsertSeed(filter: Document | undefined): Document {
  const seed: Document = {};
  const paths = [...equalityFields(filter).entries()].filter(([path]) => !path.includes('$'));
  const names = paths.map(([p]) => p).sort();
  for (let i = 1; i < names.length; i++) {
    const a = names[i - 1] as string;
    const b = names[i] as string;
    if (b === a || b.startsWith(`${a}.`)) {
      throw new CommandError(54, `cannot infer query fields to set, path '${a}' is matched twice`, {
        codeName: 'NotSingleValueField',
      });
    }
  }
  for (const [path, value] of paths) {
    if (isPlainDocument(value) && Object.keys(value).some((k) => k.startsWith('$'))) continue;
    writePath(seed, path, cloneValue(value));
  }
  return seed;
}
