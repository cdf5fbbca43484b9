import type { Document } from 'bson';
import type { BsonValue } from '../query/bson-types.js';
import { compareValues } from '../query/compare.js';
import { setField } from '../query/fields.js';
import { keyString } from '../query/key-string.js';
import { compileFilter, type Predicate } from '../query/matcher.js';
import { asNumber } from '../query/numeric.js';
import { pathValues } from '../query/path.js';
import { duplicateKeyError } from './duplicate-key.js';
import { optionIsTrue } from './index-spec.js';
import { SortedList } from './sorted-list.js';

/** One index key of one document: the values per key field and their hash. */
interface IndexKey {
  hash: string;
  values: BsonValue[];
}

/** One entry of an index's ordered key list: a key of one document. */
export interface IndexEntry {
  /** The key's values, one per key field. */
  values: BsonValue[];
  /** The document's insertion sequence (the collection's natural order); orders equal keys. */
  seq: number;
  /** The document's `_id` hash. */
  idKey: string;
}

/** One bound of a range on one key field, in value order (not index order). */
export interface RangeBound {
  value: BsonValue;
  inclusive: boolean;
  /** How index bounds print the value, when not as itself (the ends of the date bracket). */
  label?: string;
}

/**
 * The part of an index one scan reads: the leading key fields equal to `prefix`, then optionally
 * the next field between `lower` and `upper` (in value order).
 */
export interface IndexBounds {
  prefix: BsonValue[];
  lower?: RangeBound;
  upper?: RangeBound;
}

function fieldValues(doc: Document, path: string): { values: BsonValue[]; multikey: boolean } {
  const out: BsonValue[] = [];
  const reached = pathValues(doc, path);
  let multikey = reached.length > 1;
  for (const value of reached) {
    if (Array.isArray(value)) {
      multikey = true;
      if (value.length === 0) out.push(undefined);
      else out.push(...value);
    } else {
      out.push(value === undefined ? null : value);
    }
  }
  return { values: out.length === 0 ? [null] : out, multikey };
}

/**
 * One index of a collection: its specification as `listIndexes` shows it and, for every indexed
 * document, its keys (multikey: one key per array element) in key order (BSON order, descending
 * fields reversed, equal keys in natural order); unique indexes also hash their keys to reject a
 * second document with the same key.
 */
export class Index {
  /** The specification (`{v, key, name, unique?, sparse?, partialFilterExpression?, expireAfterSeconds?}`). */
  readonly spec: Document;
  readonly name: string;
  readonly fields: string[];
  /** The direction of each key field: 1 ascending, -1 descending. */
  readonly directions: number[];
  readonly unique: boolean;
  readonly sparse: boolean;
  private readonly partial: Predicate | undefined;
  private readonly entries = new Map<string, Set<string>>();
  private readonly ordered: SortedList<IndexEntry>;
  private multikeyDocs = 0;
  /**
   * Whether the index keeps its keys in order (every index but `_id_`, which the collection's
   * `_id` hash already serves; keeping it unordered keeps inserts cheap).
   */
  readonly ordersKeys: boolean;

  constructor(spec: Document) {
    this.spec = spec;
    this.name = spec.name as string;
    const key = spec.key as Document;
    this.fields = Object.keys(key);
    this.directions = this.fields.map((f) => ((asNumber(key[f]) ?? 1) < 0 ? -1 : 1));
    this.unique = optionIsTrue(spec.unique) || this.name === '_id_';
    this.sparse = optionIsTrue(spec.sparse);
    this.ordersKeys = this.name !== '_id_';
    this.partial = spec.partialFilterExpression
      ? compileFilter(spec.partialFilterExpression as Document)
      : undefined;
    const directions = this.directions;
    this.ordered = new SortedList<IndexEntry>((a, b) => {
      for (let i = 0; i < directions.length; i++) {
        const c = compareValues(a.values[i], b.values[i]);
        if (c !== 0) return c * (directions[i] as number);
      }
      return a.seq - b.seq;
    });
  }

  /** The TTL of this index in seconds, when it is a TTL index. */
  get expireAfterSeconds(): number | undefined {
    return this.spec.expireAfterSeconds === undefined
      ? undefined
      : asNumber(this.spec.expireAfterSeconds);
  }

  /** The partial filter expression, when this is a partial index. */
  get partialFilter(): Document | undefined {
    return this.spec.partialFilterExpression as Document | undefined;
  }

  /** True for an index hidden from the planner (`hidden: true`); it is still maintained. */
  get hidden(): boolean {
    return this.spec.hidden === true;
  }

  /**
   * Hides or unhides the index (`collMod`). As MongoDB's catalog does, `hidden` is removed from the
   * specification and, when hiding, appended last.
   */
  setHidden(hidden: boolean): void {
    delete this.spec.hidden;
    if (hidden) this.spec.hidden = true;
  }

  /** True while some indexed document has an array (or several values) under a key field. */
  get multikey(): boolean {
    return this.multikeyDocs > 0;
  }

  /** True when the document has entries in this index (sparse and partial indexes skip some). */
  covers(doc: Document): boolean {
    if (this.partial && !this.partial(doc)) return false;
    if (this.sparse && this.fields.every((f) => pathValues(doc, f).every((v) => v === undefined)))
      return false;
    return true;
  }

  private keyValues(doc: Document): { combos: BsonValue[][]; multikey: boolean } {
    if (!this.covers(doc)) return { combos: [], multikey: false };
    let combos: BsonValue[][] = [[]];
    let multikey = false;
    for (const field of this.fields) {
      const reached = fieldValues(doc, field);
      multikey ||= reached.multikey;
      combos =
        reached.values.length === 1
          ? combos.map((c) => [...c, reached.values[0]])
          : combos.flatMap((c) => reached.values.map((v) => [...c, v]));
    }
    return { combos, multikey };
  }

  /** The keys of a document (the cartesian product of its key fields' values). */
  keysOf(doc: Document): IndexKey[] {
    const unique = new Map<string, IndexKey>();
    for (const values of this.keyValues(doc).combos) {
      const hash = keyString(values);
      unique.set(hash, { hash, values });
    }
    return [...unique.values()];
  }

  /** Throws MongoDB's duplicate key error when `doc` (with id hash `idKey`) violates uniqueness. */
  checkUnique(ns: string, doc: Document, idKey: string): void {
    if (!this.unique) return;
    for (const key of this.keysOf(doc)) {
      const holders = this.entries.get(key.hash);
      if (holders && (holders.size > 1 || !holders.has(idKey))) {
        const keyPattern = this.spec.key as Document;
        const keyValue: Document = {};
        this.fields.forEach((f, i) => {
          setField(keyValue, f, key.values[i] === undefined ? null : key.values[i]);
        });
        throw duplicateKeyError(ns, this.name, keyPattern, keyValue);
      }
    }
  }

  /** A document's hashed keys (unique indexes only), ordered entries and multikey flag. */
  private analyse(
    doc: Document,
    idKey: string,
    seq: number,
  ): { keys: IndexKey[]; entries: IndexEntry[]; multikey: boolean } {
    const { combos, multikey } = this.keyValues(doc);
    if (!multikey && !this.unique) {
      return { keys: [], entries: combos.map((values) => ({ values, seq, idKey })), multikey };
    }
    const unique = new Map<string, IndexKey>();
    for (const values of combos) {
      const hash = keyString(values);
      if (!unique.has(hash)) unique.set(hash, { hash, values });
    }
    const keys = [...unique.values()];
    return { keys, entries: keys.map(({ values }) => ({ values, seq, idKey })), multikey };
  }

  private addAnalysed(
    analysis: { keys: IndexKey[]; entries: IndexEntry[]; multikey: boolean },
    idKey: string,
  ): void {
    if (this.unique) {
      for (const key of analysis.keys) {
        let holders = this.entries.get(key.hash);
        if (!holders) {
          holders = new Set();
          this.entries.set(key.hash, holders);
        }
        holders.add(idKey);
      }
    }
    if (analysis.multikey) this.multikeyDocs += 1;
  }

  /** Adds a document's keys; `seq` is its place in natural order. */
  add(doc: Document, idKey: string, seq: number): void {
    const analysis = this.analyse(doc, idKey, seq);
    this.addAnalysed(analysis, idKey);
    if (this.ordersKeys) for (const entry of analysis.entries) this.ordered.insert(entry);
  }

  /**
   * Builds the index over existing documents at once (sorting all keys once); throws the
   * duplicate key error of the first document that violates uniqueness.
   */
  load(ns: string, docs: Iterable<[Document, string, number]>): void {
    const all: IndexEntry[] = [];
    for (const [doc, idKey, seq] of docs) {
      this.checkUnique(ns, doc, idKey);
      const analysis = this.analyse(doc, idKey, seq);
      this.addAnalysed(analysis, idKey);
      for (const entry of analysis.entries) all.push(entry);
    }
    if (this.ordersKeys) this.ordered.load(all);
  }

  /** Removes a document's keys (`seq` as given to {@link add}). */
  remove(doc: Document, idKey: string, seq: number): void {
    const analysis = this.analyse(doc, idKey, seq);
    if (this.unique) {
      for (const key of analysis.keys) {
        const holders = this.entries.get(key.hash);
        if (!holders) continue;
        holders.delete(idKey);
        if (holders.size === 0) this.entries.delete(key.hash);
      }
    }
    if (analysis.multikey) this.multikeyDocs -= 1;
    if (this.ordersKeys) for (const entry of analysis.entries) this.ordered.remove(entry);
  }

  /** Number of ordered entries (keys). */
  get entryCount(): number {
    return this.ordered.size;
  }

  /**
   * The entries within `bounds`, in index order (backwards when `reverse`). The list must not be
   * changed while the generator is read.
   */
  scan(bounds: IndexBounds, reverse: boolean): Generator<IndexEntry> {
    const { prefix } = bounds;
    const k = prefix.length;
    const directions = this.directions;
    const prefixOrder = (entry: IndexEntry): number => {
      for (let i = 0; i < k; i++) {
        const c = compareValues(entry.values[i], prefix[i]);
        if (c !== 0) return c * (directions[i] as number);
      }
      return 0;
    };
    const direction = directions[k] ?? 1;
    // The range in index order: a descending field reads its upper value bound first.
    const first = direction > 0 ? bounds.lower : bounds.upper;
    const last = direction > 0 ? bounds.upper : bounds.lower;
    const from = (entry: IndexEntry): boolean => {
      const p = prefixOrder(entry);
      if (p !== 0 || first === undefined) return p >= 0;
      const c = compareValues(entry.values[k], first.value) * direction;
      return first.inclusive ? c >= 0 : c > 0;
    };
    const to = (entry: IndexEntry): boolean => {
      const p = prefixOrder(entry);
      if (p !== 0 || last === undefined) return p > 0;
      const c = compareValues(entry.values[k], last.value) * direction;
      return last.inclusive ? c > 0 : c >= 0;
    };
    return this.ordered.range(from, to, reverse);
  }
}
