import type { Document } from 'bson';
import type { ChangeRecord } from '../storage/change-record.js';

/** The `fullDocument` mode of a stream that the emulator supports. */
export type FullDocumentMode = 'default' | 'updateLookup';

/** Looks up the current version of a document for `fullDocument: 'updateLookup'`. */
export type DocumentLookup = (db: string, coll: string, documentKey: Document) => Document | null;

/**
 * Builds the change event MongoDB 7 reports for one write, fields in MongoDB's order.
 */
export function buildChangeEvent(
  record: ChangeRecord,
  token: Document,
  fullDocument: FullDocumentMode,
  lookup: DocumentLookup,
): Document {
  const event = buildEventBody(record, token, fullDocument, lookup);
  // A transaction's writes carry its session and number, after the event's own fields.
  if (record.lsid !== undefined && record.txnNumber !== undefined) {
    event.lsid = record.lsid;
    event.txnNumber = record.txnNumber;
  }
  return event;
}

function buildEventBody(
  record: ChangeRecord,
  token: Document,
  fullDocument: FullDocumentMode,
  lookup: DocumentLookup,
): Document {
  const event: Document = { _id: token };
  const ns = { db: record.db, coll: record.coll };
  const head = (operationType: string): void => {
    event.operationType = operationType;
    event.clusterTime = record.clusterTime;
    event.wallTime = record.wallTime;
  };
  switch (record.operationType) {
    case 'insert':
    case 'replace':
      head(record.operationType);
      event.fullDocument = record.fullDocument ?? null;
      event.ns = ns;
      event.documentKey = record.documentKey;
      return event;
    case 'update':
      head('update');
      if (fullDocument === 'updateLookup') {
        event.fullDocument =
          record.coll === undefined || record.documentKey === undefined
            ? null
            : lookup(record.db, record.coll, record.documentKey);
      }
      event.ns = ns;
      event.documentKey = record.documentKey;
      event.updateDescription = {
        updatedFields: record.updateDescription?.updatedFields ?? {},
        removedFields: record.updateDescription?.removedFields ?? [],
        truncatedArrays: record.updateDescription?.truncatedArrays ?? [],
      };
      return event;
    case 'delete':
      head('delete');
      event.ns = ns;
      event.documentKey = record.documentKey;
      return event;
    case 'drop':
      head('drop');
      event.ns = ns;
      return event;
    case 'rename':
      head('rename');
      event.ns = ns;
      event.to = record.to;
      return event;
    case 'dropDatabase':
      head('dropDatabase');
      event.ns = { db: record.db };
      return event;
  }
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
