import type { Document } from 'bson';
import type { BsonValue } from '../query/bson-types.js';
import { keyString } from '../query/key-string.js';
import { compileFilter, type Predicate } from '../query/matcher.js';
import { asNumber } from '../query/numeric.js';
import { pathValues } from '../query/path.js';
import { duplicateKeyError } from './duplicate-key.js';

/** One index key of one document: the values per key field and their hash. */
interface IndexKey {
  hash: string;
  values: BsonValue[];
}

function fieldValues(doc: Document, path: string): BsonValue[] {
  const out: BsonValue[] = [];
  for (const value of pathValues(doc, path)) {
    if (Array.isArray(value)) {
      if (value.length === 0) out.push(undefined);
      else out.push(...value);
    } else {
      out.push(value === undefined ? null : value);
    }
  }
  return out.length === 0 ? [null] : out;
}

/**
 * One index of a collection: its specification as `listIndexes` shows it and, for every indexed
 * document, its keys in a hash map (multikey: one key per array element). Unique indexes reject
 * a second document with the same key.
 */
export class Index {
  /** The specification (`{v, key, name, unique?, sparse?, partialFilterExpression?, expireAfterSeconds?}`). */
  readonly spec: Document;
  readonly name: string;
  readonly fields: string[];
  readonly unique: boolean;
  private readonly sparse: boolean;
  private readonly partial: Predicate | undefined;
  private readonly entries = new Map<string, Set<string>>();

  constructor(spec: Document) {
    this.spec = spec;
    this.name = spec.name as string;
    this.fields = Object.keys(spec.key as Document);
    this.unique = spec.unique === true || this.name === '_id_';
    this.sparse = spec.sparse === true;
    this.partial = spec.partialFilterExpression
      ? compileFilter(spec.partialFilterExpression as Document)
      : undefined;
  }

  /** The TTL of this index in seconds, when it is a TTL index. */
  get expireAfterSeconds(): number | undefined {
    return this.spec.expireAfterSeconds === undefined
      ? undefined
      : asNumber(this.spec.expireAfterSeconds);
  }

  /** True when the document has entries in this index (sparse and partial indexes skip some). */
  covers(doc: Document): boolean {
    if (this.partial && !this.partial(doc)) return false;
    if (this.sparse && this.fields.every((f) => pathValues(doc, f).every((v) => v === undefined)))
      return false;
    return true;
  }

  /** The keys of a document (the cartesian product of its key fields' values). */
  keysOf(doc: Document): IndexKey[] {
    if (!this.covers(doc)) return [];
    let combos: BsonValue[][] = [[]];
    for (const field of this.fields) {
      const values = fieldValues(doc, field);
      combos = combos.flatMap((c) => values.map((v) => [...c, v]));
    }
    const unique = new Map<string, IndexKey>();
    for (const values of combos) {
      const hash = keyString(values);
      unique.set(hash, { hash, values });
    }
    return [...unique.values()];
  }

  /** Ids (hash keys) of the documents indexed under exactly these key values. */
  lookup(values: BsonValue[]): ReadonlySet<string> | undefined {
    return this.entries.get(keyString(values));
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
          keyValue[f] = key.values[i] === undefined ? null : key.values[i];
        });
        throw duplicateKeyError(ns, this.name, keyPattern, keyValue);
      }
    }
  }

  /** Adds a document's keys. */
  add(doc: Document, idKey: string): void {
    for (const key of this.keysOf(doc)) {
      let holders = this.entries.get(key.hash);
      if (!holders) {
        holders = new Set();
        this.entries.set(key.hash, holders);
      }
      holders.add(idKey);
    }
  }

  /** Removes a document's keys. */
  remove(doc: Document, idKey: string): void {
    for (const key of this.keysOf(doc)) {
      const holders = this.entries.get(key.hash);
      if (!holders) continue;
      holders.delete(idKey);
      if (holders.size === 0) this.entries.delete(key.hash);
    }
  }
}
