import type { Document } from 'bson';
import { pathValues } from '../query/path.js';
import type { Collection } from './collection.js';

function expiryDate(doc: Document, field: string): Date | undefined {
  let earliest: Date | undefined;
  for (const value of pathValues(doc, field)) {
    const candidates = Array.isArray(value) ? value : [value];
    for (const v of candidates) {
      if (v instanceof Date && (earliest === undefined || v.getTime() < earliest.getTime()))
        earliest = v;
    }
  }
  return earliest;
}

/**
 * Deletes the documents of one collection whose TTL index says they expired at `now` (the indexed
 * date, or the earliest date of an array, plus `expireAfterSeconds`). Returns how many it deleted.
 */
export function reapCollection(collection: Collection, now: Date): number {
  let deleted = 0;
  for (const index of collection.indexes) {
    const seconds = index.expireAfterSeconds;
    const field = index.fields[0];
    if (seconds === undefined || field === undefined) continue;
    for (const doc of collection.all()) {
      const date = expiryDate(doc, field);
      if (date && date.getTime() + seconds * 1000 <= now.getTime() && index.covers(doc)) {
        collection.delete(doc);
        deleted += 1;
      }
    }
  }
  return deleted;
}

/** Runs a reaping function on an unref'd interval, like mongod's TTL monitor (every 60 s). */
export class TtlMonitor {
  private timer: NodeJS.Timeout | undefined;
  private readonly reap: () => void;

  constructor(reap: () => void) {
    this.reap = reap;
  }

  /** True while the monitor runs. */
  get running(): boolean {
    return this.timer !== undefined;
  }

  /** Starts (or restarts) the monitor with this period. */
  start(intervalMs: number): void {
    this.stop();
    this.timer = setInterval(this.reap, intervalMs);
    this.timer.unref();
  }

  /** Stops the monitor. */
  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}
