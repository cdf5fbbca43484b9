import type { Binary, Document, Long, Timestamp } from 'bson';

/**
 * One committed write, as the storage engine reports it to its change listeners (the emulator's
 * oplog). Change streams are built from these records.
 */
export interface ChangeRecord {
  operationType:
    | 'insert'
    | 'update'
    | 'replace'
    | 'delete'
    | 'drop'
    | 'dropDatabase'
    | 'rename'
    | 'create'
    | 'createIndexes'
    | 'dropIndexes'
    | 'modify';
  /** Database name. */
  db: string;
  /** Collection name (for `rename`: the source); absent for `dropDatabase`. */
  coll?: string;
  /** For `rename`: the collection's new namespace. */
  to?: { db: string; coll: string };
  /** `{_id}` of the written document (insert, update, replace, delete). */
  documentKey?: Document;
  /** The document after the write (insert, replace, update), a deep copy owned by the record. */
  fullDocument?: Document;
  /** For `update`: what changed, as MongoDB's change events describe it. */
  updateDescription?: {
    updatedFields: Document;
    removedFields: string[];
    truncatedArrays: Array<{ field: string; newSize: number }>;
    /** Paths above whose parts are array indexes, numeric names or names with dots. */
    disambiguatedPaths?: Document;
  };
  /** The UUID of the collection written (absent for `dropDatabase`). */
  collectionUUID?: Binary;
  /** DDL events (`create`, `createIndexes`, `dropIndexes`, `modify`, `rename`): what was done. */
  operationDescription?: Document;
  /** `modify`: the collection's options (and the index's, for an index change) before. */
  stateBeforeChange?: Document;
  /** The logical time of the write (from the server's `LogicalClock`). */
  clusterTime: Timestamp;
  /** The wall-clock time of the write. */
  wallTime: Date;
  /** For a write of a multi-document transaction: its logical session id (`{id, uid}`). */
  lsid?: Document;
  /** For a write of a multi-document transaction: its transaction number. */
  txnNumber?: Long;
}

/** Receives every committed write, synchronously, in commit order. */
export type ChangeListener = (record: ChangeRecord) => void;
