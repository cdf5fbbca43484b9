import type { StorageEngine } from '../storage/engine.js';

/**
 * CONTRACT STUB — to be replaced by the change-stream implementation. Keeps every committed write
 * of one engine, in order, for change streams.
 */
export class ChangeLog {
  readonly engine: StorageEngine;
  constructor(engine: StorageEngine) {
    this.engine = engine;
  }
}
