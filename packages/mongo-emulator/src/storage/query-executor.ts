import type { Document } from 'bson';
import { keyString } from '../query/key-string.js';
import { compileFilter, type Predicate } from '../query/matcher.js';
import type { Variables } from '../query/mingo-bridge.js';
import { type Comparator, type SortField, sortComparator } from '../query/sort.js';
import type { Index, IndexBounds, IndexEntry } from './index.js';
import { keyDocument } from './key-filter.js';
import { type Plan, planQuery, type SinglePlan } from './planner.js';

/** What a query reads: one collection's documents (by `_id` hash and in natural order) and indexes. */
export interface CollectionView {
  readonly indexes: readonly Index[];
  /** The document whose `_id` hashes to `idKey`. */
  byIdKey(idKey: string): Document | undefined;
  /** The documents in natural order (`-1`: reversed). */
  documents(direction: 1 | -1): Iterable<Document>;
  /** A document's place in natural order. */
  seqOf(doc: Document): number;
}

/** A `hint`: an index, or `$natural` (a collection scan in either direction). */
export type QueryHint = { kind: 'index'; index: Index } | { kind: 'natural'; direction: 1 | -1 };

/** How a query read its candidates (see {@link QueryTrace}). */
export type AccessPath = { kind: 'scan'; direction: 1 | -1 } | { kind: 'plan'; plan: Plan };

/** What one query did, as `explain` reports it. */
export interface QueryTrace {
  access: AccessPath;
  /** Index keys read by each index scan of the plan, in plan order (a union: one per branch). */
  keysExamined: number[];
  /** Documents fetched (by a plan) or tested (by a collection scan). */
  docsExamined: number;
  /** Documents that matched the filter. */
  matched: number;
  /** True when the results were sorted in memory rather than read in index order. */
  sortedInMemory: boolean;
  /** True when reading stopped before the end of what the plan would read (a limit was met). */
  stoppedEarly: boolean;
}

/** Options of {@link executeQuery}. */
export interface QueryOptions {
  /** The sort order (parsed by `parseSort`); natural order when absent. */
  sort?: readonly SortField[];
  /**
   * How many results the caller needs (skip + limit). The answer holds at least this many
   * results when there are, in order, and may hold more: the caller slices.
   */
  limit?: number;
  hint?: QueryHint;
  /** The command's `let` variables, for `$expr`. */
  variables?: Variables;
  /** Filled with what the query did. */
  trace?: QueryTrace;
}

/** An empty trace to pass in {@link QueryOptions.trace}. */
export function newTrace(): QueryTrace {
  return {
    access: { kind: 'scan', direction: 1 },
    keysExamined: [],
    docsExamined: 0,
    matched: 0,
    sortedInMemory: false,
    stoppedEarly: false,
  };
}

/**
 * The documents matching a filter, sorted by `options.sort`, as a scan of all documents followed
 * by a stable sort would give them — except that ties of a sort an index gives keep the index's
 * order, and a hint reads the hinted index (results in its order) or the collection in the
 * hinted direction, as MongoDB does. Reads candidates through the `_id` hash or secondary indexes
 * (a union of several for a top-level `$or`) when the planner finds them (see `planQuery`),
 * re-checking the full filter on each; stops early when an index gives the sort order and
 * `options.limit` results are found.
 */
export function executeQuery(
  view: CollectionView,
  filter: Document | undefined,
  options: QueryOptions = {},
): Document[] {
  const predicate = compileFilter(filter, options.variables);
  const { limit, hint } = options;
  const trace = options.trace ?? newTrace();
  let sort = options.sort;
  const natural = sort?.length === 1 && sort[0]?.[0] === '$natural' ? sort[0][1] : undefined;
  if (natural !== undefined || hint?.kind === 'natural') {
    const direction = natural ?? (hint as { direction: 1 | -1 }).direction;
    return scan(view, predicate, direction, natural === undefined ? sort : undefined, limit, trace);
  }
  const hinted = hint?.index;
  // The `_id_` index is a hash here; hinted, its order (by `_id`) is given by sorting.
  if (hinted && !hinted.ordersKeys && sort === undefined) sort = [['_id', 1]];
  const plan = planQuery(filter, sort, limit !== undefined, view.indexes, hinted);
  if (plan === undefined) return scan(view, predicate, 1, sort, limit, trace);
  trace.access = { kind: 'plan', plan };
  const comparator = sort ? sortComparator(sort) : undefined;
  if (plan.kind === 'index' && plan.ordered && comparator) {
    return readOrdered(view, plan, predicate, limit, trace);
  }
  const keys = new Set<string>();
  for (const single of plan.kind === 'union' ? plan.plans : [plan]) {
    trace.keysExamined.push(collectKeys(single, keys));
  }
  const docs: Document[] = [];
  for (const key of keys) {
    const doc = view.byIdKey(key);
    if (doc) docs.push(doc);
  }
  // Without a hint, candidates keep natural order (as a scan gives them); hinted, index order.
  if (docs.length > 1 && hinted === undefined) {
    docs.sort((a, b) => view.seqOf(a) - view.seqOf(b));
  }
  return filterAndSort(docs, predicate, comparator, limit, trace);
}

/** The test of index keys a plan's key filter asks for (always true without one). */
function keyTest(single: SinglePlan & { kind: 'index' }): (entry: IndexEntry) => boolean {
  if (single.keyFilter === undefined) return () => true;
  const predicate = compileFilter(single.keyFilter);
  const fields = single.index.fields;
  return (entry) => predicate(keyDocument(fields, entry.values));
}

/**
 * Adds the `_id` hashes one access path reads to `keys` (skipping index entries whose keys fail
 * the plan's key filter); returns how many keys it examined.
 */
function collectKeys(single: SinglePlan, keys: Set<string>): number {
  if (single.kind === 'ids') {
    for (const id of single.ids) keys.add(keyString(id));
    return single.ids.length;
  }
  const passes = keyTest(single);
  let examined = 0;
  for (const bounds of single.scans) {
    for (const entry of single.index.scan(bounds, single.reverse)) {
      examined += 1;
      if (passes(entry)) keys.add(entry.idKey);
    }
  }
  return examined;
}

/** Tests candidates in order, stopping at `limit` unless they must be sorted afterwards. */
function filterAndSort(
  candidates: Iterable<Document>,
  predicate: Predicate,
  comparator: Comparator | undefined,
  limit: number | undefined,
  trace: QueryTrace,
): Document[] {
  const out: Document[] = [];
  for (const doc of candidates) {
    trace.docsExamined += 1;
    if (!predicate(doc)) continue;
    out.push(doc);
    if (!comparator && limit !== undefined && out.length >= limit) {
      trace.stoppedEarly = true;
      break;
    }
  }
  trace.matched = out.length;
  if (comparator) {
    out.sort(comparator);
    trace.sortedInMemory = true;
  }
  return out;
}

/** A collection scan in natural order (`-1`: reversed). */
function scan(
  view: CollectionView,
  predicate: Predicate,
  direction: 1 | -1,
  sort: readonly SortField[] | undefined,
  limit: number | undefined,
  trace: QueryTrace,
): Document[] {
  trace.access = { kind: 'scan', direction };
  const comparator = sort ? sortComparator(sort) : undefined;
  return filterAndSort(view.documents(direction), predicate, comparator, limit, trace);
}

/**
 * Reads one index range in index order, which is the sort order: documents whose keys pass the key
 * filter are read and tested, and reading stops at the `limit`-th match. Ties of the sort keep the
 * index's order, as with MongoDB (by the index's further key fields, then natural order; reversed
 * for a backward read).
 */
function readOrdered(
  view: CollectionView,
  plan: SinglePlan & { kind: 'index' },
  predicate: Predicate,
  limit: number | undefined,
  trace: QueryTrace,
): Document[] {
  const out: Document[] = [];
  const bounds: IndexBounds | undefined = plan.scans[0];
  const passes = keyTest(plan);
  let keys = 0;
  if (bounds && limit !== 0) {
    for (const entry of plan.index.scan(bounds, plan.reverse)) {
      keys += 1;
      if (!passes(entry)) continue;
      const doc = view.byIdKey(entry.idKey);
      if (!doc) continue;
      trace.docsExamined += 1;
      if (!predicate(doc)) continue;
      out.push(doc);
      if (limit !== undefined && out.length >= limit) {
        trace.stoppedEarly = true;
        break;
      }
    }
  }
  trace.keysExamined.push(keys);
  trace.matched = out.length;
  return out;
}
