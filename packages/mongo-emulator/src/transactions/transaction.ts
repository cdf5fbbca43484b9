import type { Document, Long } from 'bson';
import { notSupported } from '../errors.js';
import { cappedLimits } from '../storage/capped.js';
import {
  type ChangeSink,
  Collection,
  type PendingChange,
  type WriteGuard,
} from '../storage/collection.js';
import type { StorageEngine } from '../storage/engine.js';
import { snapshotUnavailable } from './errors.js';

/** Where a transaction is in its life. */
export type TransactionState = 'inProgress' | 'committed' | 'aborted';

/** Who a transaction is. */
export interface TransactionIdentity {
  /** Hex of the session id; undefined for an implicit transaction. */
  sessionKey: string | undefined;
  /** The session's `{id, uid}` as change events show it; undefined for an implicit transaction. */
  lsid: Document | undefined;
  txnNumber: Long | undefined;
}

/** How a statement uses the collections it names: reads only, or may write. */
export type Access = 'read' | 'write';

/**
 * One transaction: its snapshot of the data and the writes it made to it.
 *
 * The snapshot is taken when the transaction starts, lazily: the transaction notes which
 * collection object stands at each namespace (`catalog`) and the write sequence number, and copies
 * a collection only when it first writes to it, or when another writer is about to change it
 * (`preserve`), so a copy is always the collection as it was at the start. Until then it reads the
 * live collection, which has not changed. A namespace whose collection was created, dropped,
 * renamed or re-indexed since the start answers SnapshotUnavailable, as mongod does.
 *
 * Writes go to the copies only; each copy reports them to the transaction's write log, and calls
 * the transaction's write guard first (which takes the write locks and detects conflicts). The
 * coordinator applies the log to the live collections at commit.
 */
export class Transaction {
  readonly identity: TransactionIdentity;
  /** An implicit transaction wraps one plain write that must wait for a real transaction. */
  readonly implicit: boolean;
  /** The engine's write sequence number at the start: later writes are not in the snapshot. */
  readonly snapshotSeq: number;
  state: TransactionState = 'inProgress';
  /** The write locks this transaction holds (see `LockTable`). */
  readonly resources = new Set<string>();
  /** Namespaces a statement of this transaction used (DDL on them waits for the end). */
  readonly touched = new Set<string>();
  /** The writes made, in order, as the copies reported them. */
  readonly writes: PendingChange[] = [];
  /** Namespaces created by this transaction, in order. */
  readonly created: string[] = [];
  /** Resolves once the transaction committed or aborted. */
  readonly ended: Promise<void>;
  /** Set when a write outside any transaction (the TTL monitor) overrode one of its writes. */
  overridden = false;
  private readonly catalog = new Map<string, Collection>();
  private readonly copies = new Map<string, Collection>();
  private readonly catalogChanged = new Set<string>();
  private readonly engine: StorageEngine;
  private readonly guard: WriteGuard;
  private readonly sink: ChangeSink = (change) => this.writes.push(change);
  private resolveEnded: () => void = () => undefined;

  constructor(options: {
    identity: TransactionIdentity;
    implicit: boolean;
    snapshotSeq: number;
    engine: StorageEngine;
    /** Called before each write to one of this transaction's copies. */
    guard: (
      transaction: Transaction,
      collection: Collection,
      write: Parameters<WriteGuard>[1],
    ) => void;
  }) {
    this.identity = options.identity;
    this.implicit = options.implicit;
    this.snapshotSeq = options.snapshotSeq;
    this.engine = options.engine;
    const guard = options.guard;
    this.guard = (collection, write) => guard(this, collection, write);
    for (const database of this.engine.listDatabases()) {
      for (const collection of database.list()) this.catalog.set(collection.ns, collection);
    }
    this.ended = new Promise((resolve) => {
      this.resolveEnded = resolve;
    });
  }

  /** True while the transaction can still run statements. */
  get inProgress(): boolean {
    return this.state === 'inProgress';
  }

  /**
   * The collection at `db.name` as this transaction sees it (undefined when it does not exist in
   * the snapshot): a copy once the transaction wrote to it or must keep its snapshot, else — for a
   * read — the live collection.
   * @throws CommandError SnapshotUnavailable (246) when the namespace changed since the start.
   */
  collection(db: string, name: string, access: Access): Collection | undefined {
    const ns = `${db}.${name}`;
    const copy = this.copies.get(ns);
    if (this.created.includes(ns)) return copy;
    const live = this.engine.collection(db, name);
    if (live !== this.catalog.get(ns) || this.catalogChanged.has(ns)) throw snapshotUnavailable(ns);
    this.touched.add(ns);
    if (copy !== undefined || live === undefined || access === 'read') return copy ?? live;
    // MongoDB refuses writes to capped collections in a transaction; its exact error is not
    // reproduced, so the emulator says it does not support them.
    if (cappedLimits(live.options) !== undefined) {
      throw notSupported(`writing to the capped collection ${ns} in a transaction`);
    }
    const fresh = live.copy(this.sink, this.guard);
    this.copies.set(ns, fresh);
    return fresh;
  }

  /** Creates a collection inside the transaction (the caller checked that it does not exist). */
  createCollection(db: string, name: string, options: Document): Collection {
    const ns = `${db}.${name}`;
    if (cappedLimits(options) !== undefined) {
      throw notSupported(`creating the capped collection ${ns} in a transaction`);
    }
    const collection = new Collection(db, name, options, this.sink, this.guard);
    this.created.push(ns);
    this.copies.set(ns, collection);
    this.touched.add(ns);
    return collection;
  }

  /** The copy of a namespace created by this transaction. */
  createdCollection(ns: string): Collection | undefined {
    return this.created.includes(ns) ? this.copies.get(ns) : undefined;
  }

  /**
   * Called before another writer changes `collection` (a live one): keeps this transaction's
   * snapshot. A document write makes the copy now, unless the transaction has one; a catalog
   * change (index, options) makes the namespace unreadable for the transaction unless it already
   * used it (then the change waited for this transaction's end).
   */
  preserve(collection: Collection, catalogChange: boolean): void {
    const ns = collection.ns;
    if (this.catalog.get(ns) !== collection || this.created.includes(ns)) return;
    if (catalogChange) {
      if (this.touched.has(ns)) return;
      this.catalogChanged.add(ns);
      this.copies.delete(ns);
      return;
    }
    if (!this.copies.has(ns)) this.copies.set(ns, collection.copy(this.sink, this.guard));
  }

  /** Marks the transaction ended (committed or aborted) and forgets its snapshot and writes. */
  end(state: 'committed' | 'aborted'): void {
    this.state = state;
    this.copies.clear();
    this.catalog.clear();
    this.writes.length = 0;
    this.created.length = 0;
    this.touched.clear();
    this.resolveEnded();
  }
}
