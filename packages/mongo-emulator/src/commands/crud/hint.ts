import type { Document } from 'bson';
import { badValue } from '../../errors.js';
import { isPlainDocument } from '../../query/bson-types.js';
import { keyString } from '../../query/key-string.js';
import { asNumber } from '../../query/numeric.js';
import type { Collection } from '../../storage/collection.js';
import type { QueryHint } from '../../storage/query-executor.js';

/**
 * Resolves a `hint` (an index name, a key pattern, or `{$natural: ±1}`) as MongoDB's planner
 * does: the query then reads that index (results in its order) or scans the collection in that
 * direction. An empty document is no hint; a hint naming no index of an existing collection
 * answers BadValue (2).
 */
export function resolveHint(
  hint: unknown,
  collection: Collection | undefined,
): QueryHint | undefined {
  if (hint === undefined) return undefined;
  if (isPlainDocument(hint)) {
    const keys = Object.keys(hint);
    if (keys.length === 0) return undefined;
    if (keys[0] === '$natural') {
      const direction = asNumber(hint.$natural);
      if (keys.length !== 1 || (direction !== 1 && direction !== -1)) {
        throw badValue('$natural hint must be 1 or -1');
      }
      return { kind: 'natural', direction };
    }
  }
  if (collection === undefined) return undefined;
  const index = collection.indexes.find((candidate) =>
    typeof hint === 'string'
      ? candidate.name === hint
      : isPlainDocument(hint) && keyString(candidate.spec.key as Document) === keyString(hint),
  );
  // A hidden index is invisible to the planner, hints included.
  if (index === undefined || index.hidden) {
    throw badValue('hint provided does not correspond to an existing index');
  }
  return { kind: 'index', index };
}

/** Checks a `hint` as {@link resolveHint} does, for commands whose result it cannot change. */
export function checkHint(hint: unknown, collection: Collection | undefined): void {
  resolveHint(hint, collection);
}
