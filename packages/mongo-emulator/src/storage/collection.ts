import { calculateObjectSize, type Document, ObjectId } from 'bson';
import { CommandError, ErrorCode } from '../errors.js';
import { type BsonValue, bsonTypeOf, isPlainDocument } from '../query/bson-types.js';
import { cloneValue } from '../query/clone.js';
import { keyString } from '../query/key-string.js';
import { describeUpdate } from '../query/update-description.js';
import { MAX_BSON_OBJECT_SIZE } from '../wire/opcodes.js';
import { type CappedLimits, cappedLimits } from './capped.js';
import type { ChangeRecord } from './change-record.js';
import { Index } from './index.js';
import { type CollectionView, executeQuery, type QueryOptions } from './query-executor.js';
import { type CollectionValidation, compileValidation, validateWrite } from './validation.js';

/** A change record before the engine stamps it with its cluster and wall time. */
export type PendingChange = Omit<ChangeRecord, 'clusterTime' | 'wallTime'>;

/** How a collection reports its committed writes to the engine. */
export type ChangeSink = (change: PendingChange) => void;

/** A change a collection is about to make, as its {@link WriteGuard} sees it. */
export type PlannedWrite =
  | { kind: 'insert'; after: Document }
  | { kind: 'update' | 'replace'; before: Document; after: Document }
  | { kind: 'delete'; before: Document }
  /** An index is added or removed, or the options change. */
  | { kind: 'catalog' };

/**
 * Called before a collection changes its documents, indexes or options, after the write's own
 * checks passed and before anything changed; it may throw to refuse the write (nothing changes).
 * Transactions use it to keep their snapshots and to detect write conflicts.
 */
export type WriteGuard = (collection: Collection, write: PlannedWrite) => void;

/** Per-write options of {@link Collection.insert} and {@link Collection.replace}. */
export interface WriteOptions {
  /** Skip document validation (the command's `bypassDocumentValidation: true`). */
  bypassDocumentValidation?: boolean;
}

/** Options of {@link Collection.find}. */
export type FindOptions = QueryOptions;

const ID_INDEX_SPEC: Document = { v: 2, key: { _id: 1 }, name: '_id_' };

/** Validates an `_id` value as MongoDB does on insert. */
export function checkIdValue(id: BsonValue): void {
  const type = bsonTypeOf(id);
  if (type === 'array' || type === 'regex' || type === 'undefined') {
    throw new CommandError(ErrorCode.InvalidIdField, `The '_id' value cannot be of type ${type}`);
  }
  if (isPlainDocument(id) && Object.keys(id).some((k) => k.startsWith('$'))) {
    throw new CommandError(
      ErrorCode.DollarPrefixedFieldName,
      `_id fields may not contain '$'-prefixed fields: ${Object.keys(id).find((k) => k.startsWith('$'))} is not valid for storage.`,
    );
  }
}

/**
 * One collection: documents in natural (insertion) order keyed by `_id`, and its indexes. Every
 * write is synchronous and atomic: unique constraints are checked before anything changes.
 */
export class Collection {
  readonly db: string;
  private currentName: string;
  private currentOptions: Document;
  private validation: CollectionValidation | undefined;
  private readonly docs = new Map<string, Document>();
  /** Each document's place in natural order (`_id` hash → insertion sequence). */
  private readonly seqs = new Map<string, number>();
  private nextSeq = 0;
  private readonly indexList: Index[] = [new Index(ID_INDEX_SPEC)];
  private readonly sink: ChangeSink;
  private readonly guard: WriteGuard | undefined;
  /** A capped collection's limits, and the BSON size of its documents (kept only when capped). */
  private readonly capped: CappedLimits | undefined;
  private dataSize = 0;

  constructor(db: string, name: string, options: Document, sink: ChangeSink, guard?: WriteGuard) {
    this.db = db;
    this.currentName = name;
    this.currentOptions = options;
    this.validation = compileValidation(options);
    this.sink = sink;
    this.guard = guard;
    this.capped = cappedLimits(options);
  }

  /**
   * A private copy of this collection (a transaction's snapshot): the same documents (shared:
   * stored documents are never mutated), natural order, options, indexes and capped size; its
   * writes go to `sink` and `guard`, never to this collection.
   */
  copy(sink: ChangeSink, guard?: WriteGuard): Collection {
    const copy = new Collection(this.db, this.currentName, this.currentOptions, sink, guard);
    for (const [idKey, doc] of this.docs) {
      copy.docs.set(idKey, doc);
      copy.seqs.set(idKey, this.seqs.get(idKey) ?? 0);
    }
    copy.nextSeq = this.nextSeq;
    copy.dataSize = this.dataSize;
    copy.indexList.length = 0;
    for (const index of this.indexList) copy.indexList.push(copy.buildIndex(index.spec));
    return copy;
  }

  /** The collection's name. */
  get name(): string {
    return this.currentName;
  }

  /** Gives the collection a new name (see {@link Database.rename}). */
  renameTo(name: string): void {
    this.currentName = name;
  }

  /** The collection's options, as `listCollections` shows them. */
  get options(): Document {
    return this.currentOptions;
  }

  /** Replaces the collection's options (`collMod`); validation follows the new options. */
  setOptions(options: Document): void {
    const validation = compileValidation(options);
    this.guard?.(this, { kind: 'catalog' });
    this.validation = validation;
    this.currentOptions = options;
  }

  /** `db.collection`. */
  get ns(): string {
    return `${this.db}.${this.name}`;
  }

  /** Number of documents. */
  get size(): number {
    return this.docs.size;
  }

  /** The indexes, `_id_` first. */
  get indexes(): readonly Index[] {
    return this.indexList;
  }

  /** All documents in natural order. Stored documents are never mutated: callers may keep them. */
  all(): Document[] {
    return [...this.docs.values()];
  }

  /** The document with this `_id`, by hash lookup. */
  findById(id: BsonValue): Document | undefined {
    return this.docs.get(keyString(id));
  }

  /** What queries read: documents by `_id` hash and in natural order, and the indexes. */
  private readonly view: CollectionView = {
    indexes: this.indexList,
    byIdKey: (idKey) => this.docs.get(idKey),
    documents: (direction) =>
      direction > 0 ? this.docs.values() : [...this.docs.values()].reverse(),
    seqOf: (doc) => this.seqOf(doc),
  };

  /** The documents matching a filter, in the order `options` ask for (see `executeQuery`). */
  find(filter: Document | undefined, options: FindOptions = {}): Document[] {
    return executeQuery(this.view, filter, options);
  }

  /** Number of documents matching a filter. */
  count(filter: Document | undefined): number {
    if (!filter || Object.keys(filter).length === 0) return this.docs.size;
    return this.find(filter).length;
  }

  private seqOf(doc: Document): number {
    return this.seqs.get(keyString(doc._id)) ?? 0;
  }

  /** Inserts a document (an `_id` is generated first when missing); returns the stored document. */
  insert(input: Document, options: WriteOptions = {}): Document {
    let doc: Document;
    if (input._id === undefined) doc = { _id: new ObjectId(), ...cloneValue(input) };
    else doc = cloneValue(input);
    checkIdValue(doc._id);
    const size = calculateObjectSize(doc);
    if (size > MAX_BSON_OBJECT_SIZE) {
      throw new CommandError(
        ErrorCode.BSONObjectTooLarge,
        `object to insert too large. size in bytes: ${size}, max size: ${MAX_BSON_OBJECT_SIZE}`,
      );
    }
    if (options.bypassDocumentValidation !== true) validateWrite(this.validation, doc, undefined);
    const idKey = keyString(doc._id);
    this.guard?.(this, { kind: 'insert', after: doc });
    for (const index of this.indexList) index.checkUnique(this.ns, doc, '\u0000new');
    const seq = this.nextSeq++;
    for (const index of this.indexList) index.add(doc, idKey, seq);
    this.docs.set(idKey, doc);
    this.seqs.set(idKey, seq);
    this.sink({
      operationType: 'insert',
      db: this.db,
      coll: this.name,
      documentKey: { _id: doc._id },
      fullDocument: cloneValue(doc),
    });
    if (this.capped) {
      this.dataSize += size;
      this.cappedDeleteAsNeeded(this.capped, idKey);
    }
    return doc;
  }

  /**
   * A capped collection over its size or count deletes its oldest documents (as ordinary deletes,
   * change events included), never the one just inserted — as MongoDB does after each insert.
   */
  private cappedDeleteAsNeeded(limits: CappedLimits, justInserted: string): void {
    for (const [idKey, doc] of this.docs) {
      const over =
        this.dataSize > limits.size || (limits.max !== undefined && this.docs.size > limits.max);
      if (!over || idKey === justInserted) break;
      this.delete(doc);
    }
  }

  /**
   * Replaces a stored document by its new version (same `_id`); `kind` is how the change is
   * reported. When `changed` is false nothing is written and no change is recorded.
   */
  replace(
    before: Document,
    after: Document,
    kind: 'update' | 'replace',
    changed: boolean,
    options: WriteOptions = {},
  ): void {
    const idKey = keyString(before._id);
    if (this.docs.get(idKey) !== before) {
      throw new CommandError(
        ErrorCode.InternalError,
        'write conflict: document changed during the write',
      );
    }
    if (!changed) return;
    if (calculateObjectSize(after) > MAX_BSON_OBJECT_SIZE) {
      throw new CommandError(
        ErrorCode.Location17419,
        `Resulting document after update is larger than ${MAX_BSON_OBJECT_SIZE}`,
      );
    }
    if (options.bypassDocumentValidation !== true) validateWrite(this.validation, after, before);
    this.guard?.(this, { kind, before, after });
    const seq = this.seqs.get(idKey) ?? 0;
    for (const index of this.indexList) {
      index.remove(before, idKey, seq);
    }
    try {
      for (const index of this.indexList) index.checkUnique(this.ns, after, idKey);
    } catch (error) {
      for (const index of this.indexList) index.add(before, idKey, seq);
      throw error;
    }
    for (const index of this.indexList) index.add(after, idKey, seq);
    this.docs.set(idKey, after);
    if (this.capped) this.dataSize += calculateObjectSize(after) - calculateObjectSize(before);
    const change: PendingChange = {
      operationType: kind,
      db: this.db,
      coll: this.name,
      documentKey: { _id: after._id },
      fullDocument: cloneValue(after),
    };
    if (kind === 'update') change.updateDescription = describeUpdate(before, after);
    this.sink(change);
  }

  /** Deletes a stored document. */
  delete(doc: Document): void {
    const idKey = keyString(doc._id);
    if (this.docs.get(idKey) !== doc) return;
    this.guard?.(this, { kind: 'delete', before: doc });
    const seq = this.seqs.get(idKey) ?? 0;
    for (const index of this.indexList) index.remove(doc, idKey, seq);
    this.docs.delete(idKey);
    this.seqs.delete(idKey);
    if (this.capped) this.dataSize -= calculateObjectSize(doc);
    this.sink({
      operationType: 'delete',
      db: this.db,
      coll: this.name,
      documentKey: { _id: doc._id },
    });
  }

  /** Builds a new index over the existing documents; fails (changing nothing) on duplicates. */
  addIndex(spec: Document): void {
    const index = this.buildIndex(spec);
    this.guard?.(this, { kind: 'catalog' });
    this.indexList.push(index);
  }

  /** An index over the current documents; throws the duplicate key error of a violation. */
  private buildIndex(spec: Document): Index {
    const index = new Index(spec);
    const docs: Array<[Document, string, number]> = [];
    for (const [idKey, doc] of this.docs) docs.push([doc, idKey, this.seqs.get(idKey) ?? 0]);
    index.load(this.ns, docs);
    return index;
  }

  /** Removes an index by name (never `_id_`). */
  removeIndex(name: string): void {
    const i = this.indexList.findIndex((x) => x.name === name);
    if (i <= 0) return;
    this.guard?.(this, { kind: 'catalog' });
    this.indexList.splice(i, 1);
  }
}
