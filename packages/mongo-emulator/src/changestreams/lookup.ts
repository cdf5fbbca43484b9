import type { Document } from 'bson';
import type { StorageEngine } from '../storage/engine.js';
import type { DocumentLookup } from './events.js';

/** `fullDocument: 'updateLookup'`: the current version of a document in the engine, or null. */
export function engineLookup(engine: StorageEngine): DocumentLookup {
  return (db: string, coll: string, documentKey: Document): Document | null =>
    engine.findById(db, coll, documentKey._id) ?? null;
}
