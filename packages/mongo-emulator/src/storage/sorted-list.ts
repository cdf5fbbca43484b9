/** Largest chunk before it is split in two. */
const MAX_CHUNK = 512;

/** A position in a {@link SortedList}: chunk number and offset inside the chunk. */
interface Position {
  chunk: number;
  offset: number;
}

/**
 * A sorted list of distinct items kept as a list of sorted chunks of at most {@link MAX_CHUNK}
 * items: inserting or removing one item costs a binary search plus a splice inside one chunk
 * (O(log n + chunk size)), and ranges are read in order, forwards or backwards.
 */
export class SortedList<T> {
  private chunks: T[][] = [];
  private count = 0;
  private readonly compare: (a: T, b: T) => number;

  constructor(compare: (a: T, b: T) => number) {
    this.compare = compare;
  }

  /** Number of items. */
  get size(): number {
    return this.count;
  }

  /** Replaces the contents by `items` (sorted here). */
  load(items: T[]): void {
    items.sort(this.compare);
    this.chunks = [];
    const half = MAX_CHUNK / 2;
    for (let i = 0; i < items.length; i += half) this.chunks.push(items.slice(i, i + half));
    this.count = items.length;
  }

  /**
   * The first position whose item satisfies `after` (a predicate that is false for a prefix of
   * the list and true for the rest); the end position when none does.
   */
  private search(after: (item: T) => boolean): Position {
    let lo = 0;
    let hi = this.chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const chunk = this.chunks[mid] as T[];
      if (after(chunk[chunk.length - 1] as T)) hi = mid;
      else lo = mid + 1;
    }
    if (lo === this.chunks.length) return { chunk: lo, offset: 0 };
    const chunk = this.chunks[lo] as T[];
    let l = 0;
    let h = chunk.length - 1;
    while (l < h) {
      const mid = (l + h) >>> 1;
      if (after(chunk[mid] as T)) h = mid;
      else l = mid + 1;
    }
    return { chunk: lo, offset: l };
  }

  /** Inserts an item (which must not compare equal to one already present). */
  insert(item: T): void {
    if (this.chunks.length === 0) {
      this.chunks.push([item]);
      this.count = 1;
      return;
    }
    let { chunk, offset } = this.search((x) => this.compare(x, item) > 0);
    if (chunk === this.chunks.length) {
      chunk -= 1;
      offset = (this.chunks[chunk] as T[]).length;
    }
    const target = this.chunks[chunk] as T[];
    target.splice(offset, 0, item);
    this.count += 1;
    if (target.length > MAX_CHUNK) {
      this.chunks.splice(chunk + 1, 0, target.splice(target.length >>> 1));
    }
  }

  /** Removes the item comparing equal to `item`; returns false when there is none. */
  remove(item: T): boolean {
    const { chunk, offset } = this.search((x) => this.compare(x, item) >= 0);
    const target = this.chunks[chunk];
    if (!target || this.compare(target[offset] as T, item) !== 0) return false;
    target.splice(offset, 1);
    this.count -= 1;
    if (target.length === 0) this.chunks.splice(chunk, 1);
    return true;
  }

  /**
   * The items from the first satisfying `from` up to (excluding) the first satisfying `to`, in
   * order; `from` and `to` are monotone predicates as in {@link search}. Backwards when `reverse`.
   */
  *range(from: (item: T) => boolean, to: (item: T) => boolean, reverse: boolean): Generator<T> {
    const start = this.search(from);
    const end = this.search(to);
    if (!reverse) {
      let { chunk, offset } = start;
      while (chunk < end.chunk || (chunk === end.chunk && offset < end.offset)) {
        const items = this.chunks[chunk] as T[];
        yield items[offset] as T;
        offset += 1;
        if (offset >= items.length) {
          chunk += 1;
          offset = 0;
        }
      }
      return;
    }
    let { chunk, offset } = end;
    for (;;) {
      offset -= 1;
      if (offset < 0) {
        chunk -= 1;
        if (chunk < 0) return;
        offset = (this.chunks[chunk] as T[]).length - 1;
      }
      if (chunk < start.chunk || (chunk === start.chunk && offset < start.offset)) return;
      yield (this.chunks[chunk] as T[])[offset] as T;
    }
  }
}
