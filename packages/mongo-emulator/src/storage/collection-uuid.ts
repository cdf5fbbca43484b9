import { Binary } from 'bson';

const uuids = new WeakMap<object, Binary>();

/**
 * A collection's UUID (a random UUID given the first time it is asked for, kept for the
 * collection's life, renames included), as `listCollections` and change events report it.
 */
export function collectionUuid(collection: object): Binary {
  let uuid = uuids.get(collection);
  if (!uuid) {
    uuid = new Binary(crypto.getRandomValues(new Uint8Array(16)), Binary.SUBTYPE_UUID);
    uuids.set(collection, uuid);
  }
  return uuid;
}
