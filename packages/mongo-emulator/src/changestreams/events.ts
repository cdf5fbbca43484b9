import type { Document } from 'bson';
import type { ChangeRecord } from '../storage/change-record.js';

/** The `fullDocument` mode of a stream that the emulator supports. */
export type FullDocumentMode = 'default' | 'updateLookup';

/** Looks up the current version of a document for `fullDocument: 'updateLookup'`. */
export type DocumentLookup = (db: string, coll: string, documentKey: Document) => Document | null;

/** The operation types MongoDB reports only to streams opened with `showExpandedEvents`. */
export const EXPANDED_EVENT_TYPES: ReadonlySet<string> = new Set([
  'create',
  'createIndexes',
  'dropIndexes',
  'modify',
]);

/**
 * Builds the change event MongoDB 7 reports for one write, fields in MongoDB's order: `_id`,
 * `operationType`, `clusterTime`, `collectionUUID` (expanded), `wallTime`, `fullDocument`, `ns`,
 * `documentKey`, `operationDescription` (expanded), `updateDescription` (with
 * `disambiguatedPaths` when expanded), `stateBeforeChange`; a `rename` also has `to`. A
 * transaction's writes then carry its session and number (`lsid`, `txnNumber`).
 */
export function buildChangeEvent(
  record: ChangeRecord,
  token: Document,
  fullDocument: FullDocumentMode,
  lookup: DocumentLookup,
  expanded = false,
): Document {
  const event: Document = { _id: token, operationType: record.operationType };
  event.clusterTime = record.clusterTime;
  if (expanded && record.collectionUUID !== undefined) event.collectionUUID = record.collectionUUID;
  event.wallTime = record.wallTime;
  switch (record.operationType) {
    case 'insert':
    case 'replace':
      event.fullDocument = record.fullDocument ?? null;
      break;
    case 'update':
      if (fullDocument === 'updateLookup') {
        event.fullDocument =
          record.coll === undefined || record.documentKey === undefined
            ? null
            : lookup(record.db, record.coll, record.documentKey);
      }
      break;
  }
  event.ns = record.coll === undefined ? { db: record.db } : { db: record.db, coll: record.coll };
  if (record.operationType === 'rename') event.to = record.to;
  if (record.documentKey !== undefined) event.documentKey = record.documentKey;
  if (expanded && record.operationDescription !== undefined) {
    event.operationDescription = record.operationDescription;
  }
  if (record.operationType === 'update') {
    const description: Document = {
      updatedFields: record.updateDescription?.updatedFields ?? {},
      removedFields: record.updateDescription?.removedFields ?? [],
      truncatedArrays: record.updateDescription?.truncatedArrays ?? [],
    };
    if (expanded)
      description.disambiguatedPaths = record.updateDescription?.disambiguatedPaths ?? {};
    event.updateDescription = description;
  }
  if (expanded && record.stateBeforeChange !== undefined) {
    event.stateBeforeChange = record.stateBeforeChange;
  }
  if (record.lsid !== undefined && record.txnNumber !== undefined) {
    event.lsid = record.lsid;
    event.txnNumber = record.txnNumber;
  }
  return event;
}

/** The `invalidate` event that ends a collection or database stream. */
export function buildInvalidateEvent(record: ChangeRecord, token: Document): Document {
  return {
    _id: token,
    operationType: 'invalidate',
    clusterTime: record.clusterTime,
    wallTime: record.wallTime,
  };
}
