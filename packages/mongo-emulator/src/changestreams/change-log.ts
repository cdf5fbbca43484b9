import type { Timestamp } from 'bson';
import type { ChangeRecord } from '../storage/change-record.js';
import type { StorageEngine } from '../storage/engine.js';
import { compareTimestamps } from './timestamps.js';

/** One committed write in the log, numbered in commit order (the first entry has `seq` 1). */
export interface LogEntry {
  readonly seq: number;
  readonly record: ChangeRecord;
}

/** Options of a {@link ChangeLog}. */
export interface ChangeLogOptions {
  /** How many entries to keep; older ones are forgotten (resuming before them fails). */
  capacity?: number;
}

/** The default number of entries a {@link ChangeLog} keeps. */
export const DEFAULT_CHANGE_LOG_CAPACITY = 100_000;

/**
 * Keeps every committed write of one engine, in order, for change streams (the emulator's
 * oplog): subscribes to the engine once and keeps the latest `capacity` records, so that streams
 * can resume after a lost connection or start at an operation time.
 */
export class ChangeLog {
  readonly engine: StorageEngine;
  private readonly capacity: number;
  private entries: LogEntry[] = [];
  private nextSeq = 1;
  private readonly appendListeners = new Set<() => void>();
  private readonly unsubscribe: () => void;

  constructor(engine: StorageEngine, options: ChangeLogOptions = {}) {
    this.engine = engine;
    this.capacity = Math.max(1, options.capacity ?? DEFAULT_CHANGE_LOG_CAPACITY);
    this.unsubscribe = engine.subscribe((record) => this.append(record));
  }

  /** Sequence number of the newest entry (0 while the log is empty). */
  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  /** Sequence number of the oldest entry still kept (`lastSeq + 1` while nothing is kept). */
  get firstSeq(): number {
    return this.entries[0]?.seq ?? this.nextSeq;
  }

  /** The entry with this sequence number, if it is still kept. */
  entry(seq: number): LogEntry | undefined {
    const first = this.entries[0];
    if (first === undefined) return undefined;
    return this.entries[seq - first.seq];
  }

  /** The newest entry, if any is kept. */
  lastEntry(): LogEntry | undefined {
    return this.entries[this.entries.length - 1];
  }

  /**
   * The sequence number of the first kept entry whose cluster time is at or after `time`
   * (`lastSeq + 1` when there is none).
   */
  firstSeqAtOrAfter(time: Timestamp): number {
    let low = 0;
    let high = this.entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const entry = this.entries[middle] as LogEntry;
      if (compareTimestamps(entry.record.clusterTime, time) < 0) low = middle + 1;
      else high = middle;
    }
    return this.entries[low]?.seq ?? this.nextSeq;
  }

  /**
   * Registers a function called (asynchronously, after the write that caused it has returned)
   * whenever entries were appended. Returns the function that removes it.
   */
  onAppend(listener: () => void): () => void {
    this.appendListeners.add(listener);
    return () => {
      this.appendListeners.delete(listener);
    };
  }

  /** Stops listening to the engine. */
  close(): void {
    this.unsubscribe();
    this.appendListeners.clear();
  }

  private notifyScheduled = false;

  private append(record: ChangeRecord): void {
    this.entries.push({ seq: this.nextSeq, record });
    this.nextSeq += 1;
    const excess = this.entries.length - this.capacity;
    // Trim in chunks so that a full log does not copy its array on every write.
    if (excess > 0 && (excess >= 1024 || excess * 10 >= this.capacity)) {
      this.entries = this.entries.slice(excess);
    }
    this.scheduleNotify();
  }

  private scheduleNotify(): void {
    if (this.notifyScheduled || this.appendListeners.size === 0) return;
    this.notifyScheduled = true;
    // Never run stream code inside the storage engine's commit: notify once it has returned.
    setImmediate(() => {
      this.notifyScheduled = false;
      for (const listener of [...this.appendListeners]) listener();
    });
  }
}
