import type { Document, Long, Timestamp } from 'bson';
import type { LogicalClock } from '../clock.js';
import { cloneValue } from '../query/clone.js';
import type { ChangeListener, ChangeRecord } from './change-record.js';
import type { Collection, PendingChange, PlannedWrite, WriteGuard } from './collection.js';
import { collectionUuid } from './collection-uuid.js';
import { Database } from './database.js';
import { reapCollection, TtlMonitor } from './ttl-monitor.js';

/** mongod's TTL monitor period. */
export const DEFAULT_TTL_INTERVAL_MS = 60_000;

/** The session and number of a committing transaction, as its change records carry them. */
export interface TransactionStamp {
  /** The transaction's logical session id (`{id, uid}`). */
  lsid: Document;
  txnNumber: Long;
}

/**
 * The in-memory databases, collections, documents and indexes of one emulated server. Survives
 * server stop/start on the same port (the server keeps the engine). Every committed write is
 * reported to the listeners registered with {@link StorageEngine.subscribe}, synchronously and in
 * commit order, stamped with the next time of the server's {@link LogicalClock}.
 */
export class StorageEngine {
  readonly clock: LogicalClock;
  private readonly listeners = new Set<ChangeListener>();
  private readonly databases = new Map<string, Database>();
  private writeGuard: WriteGuard | undefined;
  private readonly guardAll: WriteGuard = (collection: Collection, write: PlannedWrite): void =>
    this.writeGuard?.(collection, write);
  /** While a transaction commits: the one cluster time and stamp its changes share. */
  private committing:
    | { clusterTime: Timestamp; wallTime: Date; stamp: TransactionStamp }
    | undefined;
  private readonly ttl = new TtlMonitor(() => {
    this.reapExpired(new Date());
  });

  constructor(clock: LogicalClock) {
    this.clock = clock;
  }

  /**
   * Registers a listener for every committed write; returns the function that removes it.
   * Listeners run inside the write and must not throw.
   */
  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Installs the guard every collection of this engine calls before it changes (one at a time;
   * undefined removes it). See {@link WriteGuard}.
   */
  setWriteGuard(guard: WriteGuard | undefined): void {
    this.writeGuard = guard;
  }

  /**
   * Runs `apply` as the commit of a transaction: every change it makes is one write at one cluster
   * time, and its change records carry the transaction's `lsid` and `txnNumber`, in order.
   */
  commitTransaction(stamp: TransactionStamp, apply: () => void): void {
    this.committing = { clusterTime: this.clock.tick(), wallTime: new Date(), stamp };
    try {
      apply();
    } finally {
      this.committing = undefined;
    }
  }

  private emit(change: PendingChange): void {
    const committing = this.committing;
    const record: ChangeRecord = committing
      ? {
          ...change,
          clusterTime: committing.clusterTime,
          wallTime: committing.wallTime,
          lsid: committing.stamp.lsid,
          txnNumber: committing.stamp.txnNumber,
        }
      : { ...change, clusterTime: this.clock.tick(), wallTime: new Date() };
    const written = change.coll === undefined ? undefined : this.collection(change.db, change.coll);
    if (record.collectionUUID === undefined && written) {
      record.collectionUUID = collectionUuid(written);
    }
    for (const listener of this.listeners) listener(record);
  }

  private readonly sink = (change: PendingChange): void => this.emit(change);

  /** Records a change a command made to a collection's definition (its indexes, its options). */
  recordDefinitionChange(change: PendingChange): void {
    this.emit(change);
  }

  /** The database, if it has any collection. */
  database(name: string): Database | undefined {
    return this.databases.get(name);
  }

  /** Names and collection counts of the databases that hold collections. */
  listDatabases(): Database[] {
    return [...this.databases.values()].filter((d) => !d.empty);
  }

  /** The collection, if it exists. */
  collection(db: string, name: string): Collection | undefined {
    return this.databases.get(db)?.get(name);
  }

  /** The collection, created (with default options) when it does not exist. */
  ensureCollection(db: string, name: string): { collection: Collection; created: boolean } {
    const existing = this.collection(db, name);
    if (existing) return { collection: existing, created: false };
    return { collection: this.createCollection(db, name, {}), created: true };
  }

  /** Creates a collection; the caller checks that it does not exist yet. */
  createCollection(db: string, name: string, options: Document): Collection {
    let database = this.databases.get(db);
    if (!database) {
      database = new Database(db, this.sink, this.guardAll);
      this.databases.set(db, database);
    }
    const created = database.create(name, options);
    this.emit({
      operationType: 'create',
      db,
      coll: name,
      operationDescription: { ...options, idIndex: { v: 2, key: { _id: 1 }, name: '_id_' } },
    });
    return created;
  }

  /** Drops a collection (recording a `drop` change); returns it, or undefined if it did not exist. */
  dropCollection(db: string, name: string): Collection | undefined {
    const database = this.databases.get(db);
    const dropped = database?.remove(name);
    if (!dropped) return undefined;
    if (database?.empty) this.databases.delete(db);
    this.emit({ operationType: 'drop', db, coll: name, collectionUUID: collectionUuid(dropped) });
    return dropped;
  }

  /**
   * Renames a collection within its database (recording one `rename` change). A target that
   * exists is replaced: the caller checks `dropTarget` first. Returns the renamed collection, or
   * undefined when the source does not exist.
   */
  renameCollection(db: string, from: string, to: string): Collection | undefined {
    const database = this.databases.get(db);
    if (!database?.get(from)) return undefined;
    const replaced = database.remove(to);
    const renamed = database.rename(from, to);
    const description: Document = { to: { db, coll: to } };
    if (replaced) description.dropTarget = collectionUuid(replaced);
    this.emit({
      operationType: 'rename',
      db,
      coll: from,
      to: { db, coll: to },
      ...(renamed ? { collectionUUID: collectionUuid(renamed) } : {}),
      operationDescription: description,
    });
    return renamed;
  }

  /** Drops a database: a `drop` change per collection, then `dropDatabase`. */
  dropDatabase(db: string): void {
    const database = this.databases.get(db);
    if (!database) return;
    for (const collection of database.list()) {
      database.remove(collection.name);
      this.emit({
        operationType: 'drop',
        db,
        coll: collection.name,
        collectionUUID: collectionUuid(collection),
      });
    }
    this.databases.delete(db);
    this.emit({ operationType: 'dropDatabase', db });
  }

  /**
   * A copy of the document with this `_id` (hash lookup), or undefined — what change streams use
   * for `fullDocument: 'updateLookup'`.
   */
  findById(db: string, coll: string, id: unknown): Document | undefined {
    const doc = this.collection(db, coll)?.findById(id);
    return doc === undefined ? undefined : cloneValue(doc);
  }

  /** Deletes every document whose TTL index expired at `now`; returns how many. */
  reapExpired(now: Date = new Date()): number {
    let deleted = 0;
    for (const database of [...this.databases.values()]) {
      for (const collection of database.list()) deleted += reapCollection(collection, now);
    }
    return deleted;
  }

  /** Starts the TTL monitor (unref'd timer), every `intervalMs` (mongod: 60 s). */
  startTtlMonitor(intervalMs: number = DEFAULT_TTL_INTERVAL_MS): void {
    this.ttl.start(intervalMs);
  }

  /** Stops the TTL monitor. */
  stopTtlMonitor(): void {
    this.ttl.stop();
  }

  /** Releases everything: stops the TTL monitor, forgets all data and listeners (no events). */
  dispose(): void {
    this.ttl.stop();
    this.databases.clear();
    this.listeners.clear();
  }
}
