import type { Document } from 'bson';
import { badValue } from '../../errors.js';
import { isPlainDocument } from '../../query/bson-types.js';
import { keyString } from '../../query/key-string.js';
import type { Collection } from '../../storage/collection.js';

/**
 * Checks a `hint` names an existing index (by name or key pattern), as MongoDB's planner does.
 * Results never depend on the index chosen, so an existing hint is honoured by construction.
 */
export function checkHint(hint: unknown, collection: Collection | undefined): void {
  if (hint === undefined || collection === undefined) return;
  if (isPlainDocument(hint) && Object.keys(hint).length === 0) return;
  const found = collection.indexes.some((index) =>
    typeof hint === 'string'
      ? index.name === hint
      : isPlainDocument(hint) && keyString(index.spec.key as Document) === keyString(hint),
  );
  if (!found) {
    throw badValue('hint provided does not correspond to an existing index');
  }
}
