import type { LogicalClock } from '../clock.js';
import type { ChangeListener } from './change-record.js';

/**
 * CONTRACT STUB — to be replaced by the storage implementation. The in-memory databases,
 * collections, documents and indexes of one emulated server. Survives server stop/start on the
 * same port (the server keeps the engine).
 */
export class StorageEngine {
  readonly clock: LogicalClock;
  private readonly listeners = new Set<ChangeListener>();

  constructor(clock: LogicalClock) {
    this.clock = clock;
  }

  /** Registers a listener for every committed write; returns the function that removes it. */
  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
