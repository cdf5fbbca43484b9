import { Decimal128, type Document, Double, Long, MaxKey, MinKey, ObjectId } from 'bson';
import { describe, expect, it } from 'vitest';
import type { BsonValue } from '../../src/query/bson-types.js';
import { keyString } from '../../src/query/key-string.js';
import { compileFilter } from '../../src/query/matcher.js';
import { compileSort, type SortField, sortComparator } from '../../src/query/sort.js';
import { Collection } from '../../src/storage/collection.js';
import { type Plan, planQuery } from '../../src/storage/planner.js';

/** mulberry32: a small deterministic PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MISSING = Symbol('missing');
const BASE = Date.UTC(2024, 0, 1);

/** Scalar values of mixed types, including ones comparing equal across numeric types. */
const SCALARS: BsonValue[] = [
  0,
  1,
  2,
  3,
  new Double(1),
  new Double(2.5),
  Long.fromNumber(2),
  Decimal128.fromString('3'),
  Number.NaN,
  -1,
  'x',
  'y',
  '',
  'xy',
  true,
  false,
  new Date(BASE),
  new Date(BASE + 1000),
  new Date(BASE + 2000),
  { k: 1 },
  { k: 2 },
  new ObjectId('64b000000000000000000001'),
  new ObjectId('64b000000000000000000002'),
  null,
];

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)] as T;
}

function randomValue(rand: () => number, arrays: boolean): BsonValue | typeof MISSING {
  const r = rand();
  if (r < 0.08) return MISSING;
  if (arrays && r < 0.2) {
    const n = Math.floor(rand() * 4);
    return Array.from({ length: n }, () => pick(rand, SCALARS));
  }
  return pick(rand, SCALARS);
}

function randomDoc(rand: () => number, id: BsonValue, arrays: boolean): Document {
  const doc: Document = { _id: id };
  for (const field of ['a', 'b', 'c', 'tags']) {
    const value = randomValue(rand, field === 'tags' || (arrays && rand() < 0.1));
    if (value !== MISSING) doc[field] = value;
  }
  const r = rand();
  if (r < 0.6) {
    const e = randomValue(rand, false);
    doc.d = e === MISSING ? {} : { e };
  } else if (arrays && r < 0.7) {
    doc.d = [{ e: pick(rand, SCALARS) }, { e: pick(rand, SCALARS) }];
  }
  return doc;
}

const FIELDS = ['a', 'b', 'c', 'tags', 'd.e', '_id'];

function randomCondition(rand: () => number): BsonValue {
  const value = () => pick(rand, SCALARS);
  const r = rand();
  if (r < 0.25) return value();
  if (r < 0.35) return { $eq: value() };
  if (r < 0.5) return { $in: Array.from({ length: 1 + Math.floor(rand() * 3) }, value) };
  if (r < 0.65) return { [pick(rand, ['$gt', '$gte', '$lt', '$lte'])]: value() };
  if (r < 0.8) {
    return {
      [pick(rand, ['$gt', '$gte'])]: value(),
      [pick(rand, ['$lt', '$lte'])]: value(),
    };
  }
  if (r < 0.85) return { $ne: value() };
  if (r < 0.9) return { $exists: rand() < 0.5 };
  if (r < 0.95) return { $in: [value(), rand() < 0.5 ? new MinKey() : null] };
  return { $gte: rand() < 0.5 ? new MinKey() : null, $lt: new MaxKey() };
}

function randomFilter(rand: () => number): Document {
  const filter: Document = {};
  const n = Math.floor(rand() * 4);
  for (let i = 0; i < n; i++) filter[pick(rand, FIELDS)] = randomCondition(rand);
  const r = rand();
  if (r < 0.15) filter.$and = [{ [pick(rand, FIELDS)]: randomCondition(rand) }];
  else if (r < 0.22)
    filter.$or = [
      { [pick(rand, FIELDS)]: randomCondition(rand) },
      { [pick(rand, FIELDS)]: randomCondition(rand) },
    ];
  return filter;
}

/** A branch condition for `$or` filters, often null or missing (which no index bound covers). */
function branchCondition(rand: () => number): BsonValue {
  const r = rand();
  if (r < 0.15) return null;
  if (r < 0.25) return { $eq: null };
  if (r < 0.3) return { $exists: false };
  if (r < 0.35) return { $in: [null, pick(rand, SCALARS)] };
  return randomCondition(rand);
}

/**
 * A filter with a top-level `$or` (sometimes inside `$and`) of 2–3 branches, each pinning index
 * fields or null/missing, plus outer conjuncts that sometimes pin an index's leading field.
 */
function orFilter(rand: () => number): Document {
  const filter: Document = {};
  if (rand() < 0.5) filter[pick(rand, ['a', 'b', 'c', 'tags', 'd.e'])] = pick(rand, SCALARS);
  if (rand() < 0.3) filter[pick(rand, FIELDS)] = randomCondition(rand);
  const branches = Array.from({ length: 2 + Math.floor(rand() * 2) }, () => {
    const branch: Document = {};
    const n = 1 + Math.floor(rand() * 2);
    for (let i = 0; i < n; i++) branch[pick(rand, FIELDS)] = branchCondition(rand);
    return branch;
  });
  if (rand() < 0.2) filter.$and = [{ $or: branches }];
  else filter.$or = branches;
  return filter;
}

/** A filter and sort shaped after one index: equality on a prefix, a range, sort on the rest. */
function indexShaped(rand: () => number): { filter: Document; sort: SortField[] } {
  const spec = pick(rand, INDEXES);
  const fields = Object.entries(spec.key as Record<string, number>);
  const pinned = Math.floor(rand() * fields.length);
  const filter: Document = { ...(spec.partialFilterExpression as Document | undefined) };
  fields.slice(0, pinned).forEach(([path]) => {
    filter[path] = rand() < 0.8 ? pick(rand, SCALARS) : { $in: [pick(rand, SCALARS)] };
  });
  const next = fields[pinned];
  if (next && rand() < 0.5) {
    filter[next[0]] = { [pick(rand, ['$gt', '$gte', '$lt', '$lte'])]: pick(rand, SCALARS) };
  }
  const flip = rand() < 0.5 ? 1 : -1;
  const sort: SortField[] = fields
    .slice(pinned, pinned + 1 + Math.floor(rand() * (fields.length - pinned)))
    .map(([path, direction]) => [path, (direction * flip) as 1 | -1]);
  if (sort.length === 0) sort.push(['_id', 1]);
  return { filter, sort };
}

function randomSort(rand: () => number): SortField[] | undefined {
  if (rand() < 0.25) return undefined;
  const fields: SortField[] = [];
  const n = 1 + Math.floor(rand() * 3);
  for (let i = 0; i < n; i++) {
    const path = pick(rand, FIELDS);
    if (!fields.some(([p]) => p === path)) fields.push([path, rand() < 0.5 ? 1 : -1]);
  }
  return fields;
}

const INDEXES: Document[] = [
  { key: { a: 1 }, name: 'a_1' },
  { key: { a: 1, b: -1 }, name: 'a_1_b_-1' },
  { key: { b: 1, c: 1, _id: 1 }, name: 'b_1_c_1__id_1' },
  { key: { c: -1 }, name: 'c_sparse', sparse: true },
  { key: { tags: 1, a: 1 }, name: 'tags_1_a_1' },
  { key: { 'd.e': -1, a: 1 }, name: 'd.e_-1_a_1' },
  { key: { b: 1, a: 1 }, name: 'b_partial', partialFilterExpression: { a: { $gt: 1 } } },
  { key: { c: 1, b: 1 }, name: 'c_partial', partialFilterExpression: { c: { $exists: true } } },
  { key: { a: -1, c: 1 }, name: 'a_u', unique: true, partialFilterExpression: { a: 'x' } },
];

const inUniquePartial = compileFilter({ a: 'x' });

/** The reference answer: a scan of every document, then a stable sort. */
function scan(collection: Collection, filter: Document, sort: SortField[] | undefined): Document[] {
  const predicate = compileFilter(filter);
  const out = collection.all().filter((d) => predicate(d));
  const comparator = sort ? compileSort(Object.fromEntries(sort)) : undefined;
  if (comparator) out.sort(comparator);
  return out;
}

/**
 * What a scan gives for a query the planner reads in index order: the sort, then — for ties —
 * the index's further key fields and natural order, all reversed for a backward read (as MongoDB
 * returns ties from an index).
 */
function scanInPlanOrder(
  collection: Collection,
  filter: Document,
  sort: SortField[] | undefined,
  plan: Plan | undefined,
): Document[] {
  if (!(sort && plan?.kind === 'index' && plan.ordered)) return scan(collection, filter, sort);
  const { index, reverse } = plan;
  const k = plan.scans[0]?.prefix.length ?? 0;
  const pinned = new Set(index.fields.slice(0, k));
  const from = k + sort.filter(([path]) => !pinned.has(path)).length;
  const ties = index.fields
    .slice(from)
    .map(
      (field, i): SortField => [
        field,
        ((index.directions[from + i] ?? 1) * (reverse ? -1 : 1)) as 1 | -1,
      ],
    );
  const natural = scan(collection, filter, undefined);
  return (reverse ? natural.reverse() : natural).sort(sortComparator([...sort, ...ties]));
}

function ids(docs: Document[]): string[] {
  return docs.map((d) => keyString(d._id));
}

function buildCollection(
  rand: () => number,
  size: number,
  indexesFirst: boolean,
  arrays: boolean,
): Collection {
  const collection = new Collection('db', 'c', {}, () => {});
  if (indexesFirst) for (const spec of INDEXES) collection.addIndex({ v: 2, ...spec });
  for (let i = 0; i < size; i++) {
    const id =
      rand() < 0.8
        ? i
        : rand() < 0.5
          ? `s${i}`
          : new ObjectId(
              Math.floor(rand() * 0xffffff)
                .toString(16)
                .padStart(24, '0'),
            );
    const doc = randomDoc(rand, id, arrays);
    if (inUniquePartial(doc)) doc.c = i; // keeps the partial unique index `a_u` satisfiable
    collection.insert(doc);
  }
  if (!indexesFirst) for (const spec of INDEXES) collection.addIndex({ v: 2, ...spec });
  // Churn: replace and delete documents so the ordered keys see removals and re-insertions.
  const all = collection.all();
  for (let i = 0; i < size / 4; i++) {
    const victim = pick(rand, all);
    const stored = collection.findById(victim._id);
    if (!stored) continue;
    if (rand() < 0.3) {
      collection.delete(stored);
    } else {
      const next = randomDoc(rand, stored._id, arrays);
      if (inUniquePartial(next)) next.c = `r${i}`;
      collection.replace(stored, next, 'replace', true);
    }
  }
  return collection;
}

/**
 * 1600 queries on 300 documents, compared with a scan: CPU work, not timing — on a loaded machine
 * it takes several times its usual half second, so it gets room beyond the default 5 s.
 */
const EQUIVALENCE_TIMEOUT_MS = 60_000;

describe('secondary index access paths return what a scan returns (ties in index order)', () => {
  for (const [seed, indexesFirst, arrays] of [
    [1, true, true],
    [2, false, true],
    [3, true, false],
    [4, false, false],
  ] as const) {
    const shape = `indexes built ${indexesFirst ? 'before' : 'after'} the inserts, ${arrays ? 'arrays in every field' : 'arrays only in tags'}`;
    it(
      `seed ${seed} (${shape})`,
      () => {
        const rand = prng(seed);
        const collection = buildCollection(rand, 300, indexesFirst, arrays);
        const plans = { scan: 0, ids: 0, index: 0, ordered: 0, union: 0 };
        for (let q = 0; q < 1600; q++) {
          // The first 1200 queries mix shapes; the last 400 all have a top-level `$or`.
          const shaped = q < 1200 && rand() < 0.3 ? indexShaped(rand) : undefined;
          const filter = shaped?.filter ?? (q < 1200 ? randomFilter(rand) : orFilter(rand));
          const sort = shaped ? shaped.sort : randomSort(rand);
          const limit = rand() < 0.5 ? undefined : 1 + Math.floor(rand() * 5);
          const plan = planQuery(filter, sort, limit !== undefined, collection.indexes);
          if (!plan) plans.scan += 1;
          else if (plan.kind === 'ids') plans.ids += 1;
          else if (plan.kind === 'union') plans.union += 1;
          else {
            plans.index += 1;
            if (plan.ordered && sort) plans.ordered += 1;
          }
          const expected = scanInPlanOrder(collection, filter, sort, plan);
          const actual = collection.find(filter, { sort, limit });
          const context = JSON.stringify({ filter, sort, limit, plan: plan?.kind });
          if (limit === undefined) {
            expect(ids(actual), context).toEqual(ids(expected));
          } else {
            expect(ids(actual.slice(0, limit)), context).toEqual(ids(expected.slice(0, limit)));
          }
          expect(collection.count(filter), context).toBe(expected.length);
        }
        // The comparison is only meaningful when the index paths are actually taken.
        expect(plans.index).toBeGreaterThan(300);
        expect(plans.ordered).toBeGreaterThan(arrays ? 5 : 200);
        expect(plans.ids).toBeGreaterThan(50);
        expect(plans.scan).toBeGreaterThan(50);
        expect(plans.union).toBeGreaterThan(30);
      },
      EQUIVALENCE_TIMEOUT_MS,
    );
  }

  it('keeps every index consistent with its documents after churn', () => {
    const rand = prng(99);
    const collection = buildCollection(rand, 200, true, true);
    const ordered = collection.indexes.filter((index) => index.ordersKeys);
    expect(ordered.map((index) => index.name)).toEqual(INDEXES.map((spec) => spec.name));
    for (const index of ordered) {
      let expected = 0;
      for (const doc of collection.all()) {
        expected += new Set(index.keysOf(doc).map((k) => k.hash)).size;
      }
      expect(index.entryCount, index.name).toBe(expected);
    }
  });
});
