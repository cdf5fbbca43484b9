import type { Document } from 'bson';
import type { StorageView } from '../commands/context.js';
import type { DocumentLookup } from './events.js';

/** `fullDocument: 'updateLookup'`: the current version of a document in the engine, or null. */
export function engineLookup(engine: Pick<StorageView, 'findById'>): DocumentLookup {
  return (db: string, coll: string, documentKey: Document): Document | null =>
    engine.findById(db, coll, documentKey._id) ?? null;
}
