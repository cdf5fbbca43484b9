import type { Document } from 'bson';
import { LogicalClock } from '../../src/clock.js';
import type { ChangeListener, ChangeRecord } from '../../src/storage/change-record.js';
import type { StorageEngine } from '../../src/storage/engine.js';

/** A stand-in storage engine that commits hand-made change records (for unit tests). */
export class FakeEngine {
  readonly clock = new LogicalClock();
  readonly documents = new Map<string, Document>();
  private readonly listeners = new Set<ChangeListener>();

  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  findById(db: string, coll: string, id: unknown): Document | undefined {
    return this.documents.get(`${db}.${coll}.${String(id)}`);
  }

  /** Commits one write: stamps it with the next cluster time and reports it. */
  commit(change: Omit<ChangeRecord, 'clusterTime' | 'wallTime'>): ChangeRecord {
    const record: ChangeRecord = {
      ...change,
      clusterTime: this.clock.tick(),
      wallTime: new Date(),
    };
    for (const listener of this.listeners) listener(record);
    return record;
  }

  insert(db: string, coll: string, document: Document): ChangeRecord {
    this.documents.set(`${db}.${coll}.${String(document._id)}`, document);
    return this.commit({
      operationType: 'insert',
      db,
      coll,
      documentKey: { _id: document._id },
      fullDocument: document,
    });
  }

  /** The fake as the engine type the change log expects. */
  asEngine(): StorageEngine {
    return this as unknown as StorageEngine;
  }
}
