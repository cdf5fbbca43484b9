import type { BsonValue } from '../query/bson-types.js';
import type { StorageEngine } from '../storage/engine.js';
import type { Transaction } from './transaction.js';

/**
 * Applies a transaction's writes to the live collections, in order: first the collections it
 * created (with their indexes), then every document write as its copy recorded it. The locks the
 * transaction held guarantee that no other writer changed these documents or keys meanwhile, so
 * each write applies as it did in the copy; the live collections report each as a change.
 */
export function applyTransactionWrites(engine: StorageEngine, transaction: Transaction): void {
  for (const ns of transaction.created) {
    const copy = transaction.createdCollection(ns);
    if (copy === undefined) continue;
    const live = engine.createCollection(copy.db, copy.name, copy.options);
    for (const index of copy.indexes.slice(1)) {
      live.addIndex(index.spec);
      engine.recordDefinitionChange({
        operationType: 'createIndexes',
        db: copy.db,
        coll: copy.name,
        operationDescription: { indexes: [{ ...index.spec }] },
      });
    }
  }
  // Validation ran in the copy; the live write repeats only the storage checks.
  const options = { bypassDocumentValidation: true };
  for (const change of transaction.writes) {
    const live = change.coll === undefined ? undefined : engine.collection(change.db, change.coll);
    const id = change.documentKey?._id as BsonValue;
    if (live === undefined) throw new Error(`commit: ${change.db}.${change.coll} does not exist`);
    switch (change.operationType) {
      case 'insert':
        live.insert(change.fullDocument ?? {}, options);
        break;
      case 'update':
      case 'replace': {
        const before = live.findById(id);
        if (before === undefined || change.fullDocument === undefined) {
          throw new Error(`commit: the document to ${change.operationType} is missing`);
        }
        live.replace(before, change.fullDocument, change.operationType, true, options);
        break;
      }
      case 'delete': {
        const before = live.findById(id);
        if (before === undefined) throw new Error('commit: the document to delete is missing');
        live.delete(before);
        break;
      }
      default:
        throw new Error(`commit: unexpected ${change.operationType} in a transaction`);
    }
  }
}
