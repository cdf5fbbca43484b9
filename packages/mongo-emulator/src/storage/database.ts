import type { Document } from 'bson';
import { type ChangeSink, Collection, type WriteGuard } from './collection.js';

/** One database: its collections by name. */
export class Database {
  readonly name: string;
  private readonly collections = new Map<string, Collection>();
  private readonly sink: ChangeSink;
  private readonly guard: WriteGuard | undefined;

  constructor(name: string, sink: ChangeSink, guard?: WriteGuard) {
    this.name = name;
    this.sink = sink;
    this.guard = guard;
  }

  /** The collection, if it exists. */
  get(name: string): Collection | undefined {
    return this.collections.get(name);
  }

  /** Creates a collection (the caller checks that it does not exist). */
  create(name: string, options: Document): Collection {
    const collection = new Collection(this.name, name, options, this.sink, this.guard);
    this.collections.set(name, collection);
    return collection;
  }

  /** Removes a collection; returns it, or undefined when it did not exist. */
  remove(name: string): Collection | undefined {
    const collection = this.collections.get(name);
    this.collections.delete(name);
    return collection;
  }

  /**
   * Moves a collection to a new name (the caller checks that the target does not exist). It keeps
   * its documents, indexes and options, and its place in creation order.
   */
  rename(from: string, to: string): Collection | undefined {
    const collection = this.collections.get(from);
    if (!collection) return undefined;
    const entries = [...this.collections.entries()];
    this.collections.clear();
    for (const [name, value] of entries) {
      if (name === from) {
        collection.renameTo(to);
        this.collections.set(to, collection);
      } else {
        this.collections.set(name, value);
      }
    }
    return collection;
  }

  /** All collections, in creation order. */
  list(): Collection[] {
    return [...this.collections.values()];
  }

  /** True when the database holds no collection (MongoDB then does not list it). */
  get empty(): boolean {
    return this.collections.size === 0;
  }
}
