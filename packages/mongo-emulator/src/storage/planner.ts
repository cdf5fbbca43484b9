import type { Document } from 'bson';
import { badValue } from '../errors.js';
import { type BsonValue, isPlainDocument } from '../query/bson-types.js';
import { compareValues } from '../query/compare.js';
import { keyString } from '../query/key-string.js';
import { asNumber } from '../query/numeric.js';
import { isOperatorObject } from '../query/operator-object.js';
import type { SortField } from '../query/sort.js';
import { type Bracket, bracketOf } from './brackets.js';
import type { Index, IndexBounds, RangeBound } from './index.js';
import { keyFilterFor } from './key-filter.js';

/**
 * Whether queries use secondary indexes as access paths. When false every query that is not an
 * `_id` lookup scans the collection (the results are the same either way).
 */
export const USE_INDEXES = true;

/** Most equality prefixes (the product of the `$in` list sizes) one index plan reads. */
const MAX_POINTS = 256;

/**
 * How a query reads its candidates:
 * - `ids`: hash lookups of these `_id` values;
 * - `index`: one range of `index` per bounds; `ordered` when a single range read in index order
 *   (backwards when `reverse`) yields the documents in the requested sort order;
 * - `union` (for a top-level `$or`): one plan per branch, candidates merged by `_id`; it never
 *   gives sort order.
 */
export type Plan = SinglePlan | { kind: 'union'; plans: SinglePlan[] };

/** One access path (see {@link Plan}). */
export type SinglePlan =
  | { kind: 'ids'; ids: BsonValue[] }
  | {
      kind: 'index';
      index: Index;
      scans: IndexBounds[];
      ordered: boolean;
      reverse: boolean;
      /** What can be tested on the index keys before a document is read (see `keyFilterFor`). */
      keyFilter?: Document;
    };

/** What a filter's top-level conjuncts say about one field (values usable as index bounds). */
interface FieldConditions {
  /** One list of allowed values per equality or `$in` conjunct. */
  equal: BsonValue[][];
  lower: RangeBound[];
  upper: RangeBound[];
}

/** A value that index bounds can stand for: one of a type whose range of values is bracketed. */
function boundable(value: BsonValue): boolean {
  return bracketOf(value) !== undefined;
}

/** The top-level conjuncts of a filter (through `$and`) as `[field, operator, operand]`. */
function conjuncts(filter: Document, out: Array<[string, string, BsonValue]>): boolean {
  for (const [key, value] of Object.entries(filter)) {
    if (key === '$and') {
      if (!Array.isArray(value)) return false;
      for (const clause of value) {
        if (!isPlainDocument(clause) || !conjuncts(clause, out)) return false;
      }
      continue;
    }
    if (key === '$comment') continue;
    if (key.startsWith('$')) {
      out.push([key, key, value]);
      continue;
    }
    if (isOperatorObject(value)) {
      for (const [operator, operand] of Object.entries(value)) out.push([key, operator, operand]);
    } else {
      out.push([key, '$eq', value]);
    }
  }
  return true;
}

function fieldConditions(
  clauses: Array<[string, string, BsonValue]>,
): Map<string, FieldConditions> {
  const fields = new Map<string, FieldConditions>();
  const of = (field: string): FieldConditions => {
    let c = fields.get(field);
    if (!c) {
      c = { equal: [], lower: [], upper: [] };
      fields.set(field, c);
    }
    return c;
  };
  for (const [field, operator, operand] of clauses) {
    if (field.startsWith('$')) continue;
    switch (operator) {
      case '$eq':
        if (boundable(operand)) of(field).equal.push([operand]);
        break;
      case '$in':
        if (Array.isArray(operand) && operand.length > 0 && operand.every(boundable))
          of(field).equal.push(operand);
        break;
      case '$gt':
      case '$gte':
        if (boundable(operand))
          of(field).lower.push({ value: operand, inclusive: operator === '$gte' });
        break;
      case '$lt':
      case '$lte':
        if (boundable(operand))
          of(field).upper.push({ value: operand, inclusive: operator === '$lte' });
        break;
    }
  }
  return fields;
}

function constrains(c: FieldConditions | undefined): boolean {
  return c !== undefined && (c.equal.length > 0 || c.lower.length > 0 || c.upper.length > 0);
}

/**
 * True when every document matching the query matches the partial filter: each of the partial
 * filter's conjuncts appears identically in the query (`$exists: true` is also implied by an
 * equality or range on the field). Anything else (e.g. `$or`) is not proven.
 */
function implies(
  queryClauses: Array<[string, string, BsonValue]>,
  fields: Map<string, FieldConditions>,
  partial: Document,
): boolean {
  const required: Array<[string, string, BsonValue]> = [];
  if (!conjuncts(partial, required)) return false;
  const present = new Set(queryClauses.map((c) => keyString(c)));
  return required.every(([field, operator, operand]) => {
    if (field.startsWith('$')) return false;
    if (present.has(keyString([field, operator, operand]))) return true;
    if (operator === '$exists') {
      const wanted = operand !== false && operand !== null && asNumber(operand) !== 0;
      return wanted && constrains(fields.get(field));
    }
    return false;
  });
}

function smallest(lists: BsonValue[][]): BsonValue[] | undefined {
  let best: BsonValue[] | undefined;
  for (const list of lists) if (!best || list.length < best.length) best = list;
  return best;
}

function comparePrefixes(a: BsonValue[], b: BsonValue[], directions: number[]): number {
  for (let i = 0; i < a.length; i++) {
    const c = compareValues(a[i], b[i]) * (directions[i] ?? 1);
    if (c !== 0) return c;
  }
  return 0;
}

/** An index plan and how well it narrows the query (higher is better). */
interface Candidate {
  plan: SinglePlan & { kind: 'index' };
  score: number;
  points: number;
}

function planIndex(
  index: Index,
  fields: Map<string, FieldConditions>,
  clauses: Array<[string, string, BsonValue]>,
  sort: readonly SortField[] | undefined,
  limited: boolean,
  hinted = false,
): Candidate | undefined {
  if (!index.ordersKeys) return undefined;
  const partial = index.partialFilter;
  if (partial && !implies(clauses, fields, partial)) return undefined;
  // A hinted sparse index is read as it is (MongoDB then returns only the documents it holds).
  if (!hinted && index.sparse && !index.fields.some((f) => constrains(fields.get(f))))
    return undefined;
  const multikey = index.multikey;
  let prefixes: BsonValue[][] = [[]];
  let k = 0;
  for (const field of index.fields) {
    const values = smallest(fields.get(field)?.equal ?? []);
    if (!values || prefixes.length * values.length > MAX_POINTS) break;
    prefixes = prefixes.flatMap((p) => values.map((v) => [...p, v]));
    k += 1;
  }
  const rangeField = index.fields[k];
  const range = rangeField === undefined ? undefined : fields.get(rangeField);
  const [lower, upper] = rangeBounds(range?.lower[0], range?.upper[0], multikey);
  let ordered = false;
  let reverse = false;
  if (sort && prefixes.length === 1 && !multikey) {
    const pinned = new Set(index.fields.slice(0, k));
    const rest = sort.filter(([path]) => !pinned.has(path));
    if (rest.length > 0 && k + rest.length <= index.fields.length) {
      const sign = (rest[0]?.[1] ?? 1) * (index.directions[k] ?? 1);
      ordered = rest.every(
        ([path, direction], j) =>
          index.fields[k + j] === path && direction === sign * (index.directions[k + j] ?? 1),
      );
      reverse = sign < 0;
    }
  }
  const hasRange = lower !== undefined || upper !== undefined;
  if (!hinted && k === 0 && !hasRange && !(ordered && limited)) return undefined;
  // Several prefixes ($in lists) are read once each, in index order.
  if (prefixes.length > 1) {
    prefixes.sort((a, b) => comparePrefixes(a, b, index.directions));
    prefixes = prefixes.filter(
      (prefix, i) =>
        i === 0 || comparePrefixes(prefixes[i - 1] as BsonValue[], prefix, index.directions) !== 0,
    );
  }
  const scans: IndexBounds[] = prefixes.map((prefix) => {
    const bounds: IndexBounds = { prefix };
    if (lower) bounds.lower = lower;
    if (upper) bounds.upper = upper;
    return bounds;
  });
  const plan: SinglePlan & { kind: 'index' } = { kind: 'index', index, scans, ordered, reverse };
  return {
    plan,
    score: k * 4 + (hasRange ? 2 : 0) + (ordered ? 1 : 0),
    points: prefixes.length,
  };
}

/**
 * The bounds of the range on one key field: the query's own bounds, each completed by the end of
 * its type's bracket (a comparison only matches values of the operand's type, as in MongoDB).
 * A multikey field may meet each bound with a different element: it keeps the lower bound only.
 */
function rangeBounds(
  lower: RangeBound | undefined,
  upper: RangeBound | undefined,
  multikey: boolean,
): [RangeBound | undefined, RangeBound | undefined] {
  if (lower && (upper === undefined || multikey)) {
    return [lower, (bracketOf(lower.value) as Bracket).end];
  }
  if (upper && lower === undefined) return [(bracketOf(upper.value) as Bracket).start, upper];
  return [lower, upper];
}

/** Adds to an index plan what its entries' keys can be tested for (see `keyFilterFor`). */
function withKeyFilter(
  plan: SinglePlan & { kind: 'index' },
  filters: readonly Document[],
): SinglePlan & { kind: 'index' } {
  if (plan.index.multikey) return plan;
  const keyFilter = keyFilterFor(filters, plan.index.fields, plan.scans);
  if (keyFilter !== undefined) plan.keyFilter = keyFilter;
  return plan;
}

/** The best single access path for a filter's conjuncts, with its narrowing score. */
function planConjuncts(
  clauses: Array<[string, string, BsonValue]>,
  sort: readonly SortField[] | undefined,
  limited: boolean,
  indexes: readonly Index[],
  filters: readonly Document[],
): { plan: SinglePlan; score: number } | undefined {
  const fields = fieldConditions(clauses);
  const ids = smallest(fields.get('_id')?.equal ?? []);
  if (ids?.every((id) => !isPlainDocument(id))) {
    return { plan: { kind: 'ids', ids }, score: Number.POSITIVE_INFINITY };
  }
  if (!USE_INDEXES) return undefined;
  let best: Candidate | undefined;
  for (const index of indexes) {
    if (index.hidden) continue;
    const candidate = planIndex(index, fields, clauses, sort, limited);
    if (!candidate) continue;
    if (
      !best ||
      candidate.score > best.score ||
      (candidate.score === best.score && candidate.points < best.points)
    ) {
      best = candidate;
    }
  }
  if (best) withKeyFilter(best.plan, filters);
  return best;
}

/**
 * Index union for the first top-level `$or`: one plan per branch, each planned from the branch's
 * conjuncts together with the outer ones (so a branch the indexes cannot narrow by itself can
 * still be narrowed by an outer equality). Undefined unless every branch has a plan that
 * narrows more than `outerScore` (the outer conjuncts' own plan, ignoring sort order).
 */
function planUnion(
  clauses: Array<[string, string, BsonValue]>,
  outerScore: number,
  indexes: readonly Index[],
  filter: Document,
): Plan | undefined {
  const at = clauses.findIndex(([field]) => field === '$or');
  const branches = clauses[at]?.[2];
  if (!Array.isArray(branches) || branches.length === 0) return undefined;
  const outer = clauses.filter((_, i) => i !== at);
  const plans: SinglePlan[] = [];
  for (const branch of branches) {
    if (!isPlainDocument(branch)) return undefined;
    const own: Array<[string, string, BsonValue]> = [];
    if (!conjuncts(branch, own)) return undefined;
    const planned = planConjuncts([...outer, ...own], undefined, false, indexes, [filter, branch]);
    if (!planned || planned.score <= outerScore) return undefined;
    plans.push(planned.plan);
  }
  return { kind: 'union', plans };
}

/**
 * Picks how to read the candidates of a query: `_id` hash lookups when the filter pins `_id`,
 * else the index whose leading fields the filter pins by equality (then a range on the next
 * field) and which best provides `sort`; for a top-level `$or`, a union of one plan per branch
 * when every branch narrows more than the other conjuncts alone; undefined → scan everything.
 * Candidates are always a superset of the matches: the caller re-checks the full filter on each.
 */
export function planQuery(
  filter: Document | undefined,
  sort: readonly SortField[] | undefined,
  limited: boolean,
  indexes: readonly Index[],
  hint?: Index,
): Plan | undefined {
  const clauses: Array<[string, string, BsonValue]> = [];
  if (hint !== undefined) return planHinted(filter, sort, limited, hint);
  if (filter && !conjuncts(filter, clauses)) return undefined;
  const filters = filter ? [filter] : [];
  const single = planConjuncts(clauses, sort, limited, indexes, filters);
  if (single?.plan.kind === 'ids') return single.plan;
  // The outer plan's narrowing, without the point for sort order (a union has none).
  const outerScore = single ? single.score - (single.plan.ordered ? 1 : 0) : -1;
  return (filter && planUnion(clauses, outerScore, indexes, filter)) ?? single?.plan;
}

/** Code 2 as MongoDB's planner answers a hint it cannot use. */
function unusableHint(): Error {
  return badValue('hint provided does not correspond to an existing index');
}

/**
 * The plan of a query hinted to `index`: that index, with the bounds the filter gives it (its
 * whole range when none). The `_id_` index (kept as a hash here) reads its `_id` values or, without
 * them, everything in natural order, as its index order is not kept. A partial index the filter
 * does not imply cannot be used.
 */
function planHinted(
  filter: Document | undefined,
  sort: readonly SortField[] | undefined,
  limited: boolean,
  index: Index,
): Plan | undefined {
  const clauses: Array<[string, string, BsonValue]> = [];
  if (filter && !conjuncts(filter, clauses)) clauses.length = 0;
  const fields = fieldConditions(clauses);
  if (!index.ordersKeys) {
    const ids = smallest(fields.get('_id')?.equal ?? []);
    return ids?.every((id) => !isPlainDocument(id)) ? { kind: 'ids', ids } : undefined;
  }
  const candidate = planIndex(index, fields, clauses, sort, limited, true);
  if (!candidate) throw unusableHint();
  return withKeyFilter(candidate.plan, filter ? [filter] : []);
}
