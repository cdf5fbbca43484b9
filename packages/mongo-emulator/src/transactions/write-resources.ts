import { keyString } from '../query/key-string.js';
import type { Collection, PlannedWrite } from '../storage/collection.js';
import { documentResource, uniqueKeyResource } from './locks.js';

/**
 * The lockable resources a document write touches: the document itself and every key of a unique
 * index (other than `_id_`, which the document stands for) that its old or new version holds.
 */
export function writeResources(collection: Collection, write: PlannedWrite): string[] {
  if (write.kind === 'catalog') return [];
  const ns = collection.ns;
  const document = write.kind === 'insert' ? write.after : write.before;
  const resources = [documentResource(ns, keyString(document._id))];
  const versions = [
    write.kind === 'insert' ? undefined : write.before,
    write.kind === 'delete' ? undefined : write.after,
  ];
  for (const index of collection.indexes) {
    if (!index.unique || index.name === '_id_') continue;
    for (const version of versions) {
      if (version === undefined) continue;
      for (const key of index.keysOf(version)) {
        resources.push(uniqueKeyResource(ns, index.name, key.hash));
      }
    }
  }
  return resources;
}
