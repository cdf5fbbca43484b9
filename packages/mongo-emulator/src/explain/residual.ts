import type { Document } from 'bson';
import { keyString } from '../query/key-string.js';
import type { IndexBounds, RangeBound } from '../storage/index.js';
import type { Plan } from '../storage/planner.js';
import { combine, predicates } from './parsed-query.js';

/** The one `{path: {$op: operand}}` of a predicate, or undefined for a logical node. */
function leaf(
  predicate: Document,
): { path: string; operator: string; operand: unknown } | undefined {
  const [path, condition] = Object.entries(predicate)[0] ?? [];
  if (
    path === undefined ||
    path.startsWith('$') ||
    condition === null ||
    typeof condition !== 'object'
  ) {
    return undefined;
  }
  const [operator, operand] = Object.entries(condition as Document)[0] ?? [];
  return operator === undefined ? undefined : { path, operator, operand };
}

function sameSet(values: readonly unknown[], expected: readonly unknown[]): boolean {
  const a = new Set(values.map((v) => keyString(v)));
  const b = new Set(expected.map((v) => keyString(v)));
  return a.size === b.size && [...a].every((key) => b.has(key));
}

function sameBound(bound: RangeBound | undefined, operand: unknown, inclusive: boolean): boolean {
  return (
    bound !== undefined &&
    bound.inclusive === inclusive &&
    keyString(bound.value) === keyString(operand)
  );
}

/** True when reading `scans` of an index with `fields` already guarantees the predicate. */
function servedByIndex(
  predicate: ReturnType<typeof leaf>,
  fields: readonly string[],
  scans: readonly IndexBounds[],
): boolean {
  if (predicate === undefined) return false;
  const first = scans[0];
  if (first === undefined) return false;
  const k = first.prefix.length;
  const at = fields.indexOf(predicate.path);
  if (at < 0 || at > k) return false;
  const { operator, operand } = predicate;
  if (at < k) {
    const scanned = scans.map((scan) => scan.prefix[at]);
    if (operator === '$eq') return sameSet(scanned, [operand]);
    if (operator === '$in' && Array.isArray(operand)) return sameSet(scanned, operand);
    return false;
  }
  if (operator === '$gt' || operator === '$gte')
    return sameBound(first.lower, operand, operator === '$gte');
  if (operator === '$lt' || operator === '$lte')
    return sameBound(first.upper, operand, operator === '$lte');
  return false;
}

/**
 * The part of a filter the plan's index bounds do not already guarantee (what FETCH or COLLSCAN
 * must still test, as explain's `filter` shows it): everything for a collection scan, a union, or a
 * multikey index; for an index, the predicates outside its equality prefix and range.
 */
export function residualFilter(filter: Document, plan: Plan | undefined): Document | undefined {
  let parts = predicates(filter);
  if (plan?.kind === 'ids') {
    parts = parts.filter((part) => {
      const single = leaf(part);
      if (single?.path !== '_id') return true;
      if (single.operator === '$eq') return !sameSet(plan.ids, [single.operand]);
      return !(
        single.operator === '$in' &&
        Array.isArray(single.operand) &&
        sameSet(plan.ids, single.operand)
      );
    });
  } else if (plan?.kind === 'index' && !plan.index.multikey) {
    parts = parts.filter((part) => !servedByIndex(leaf(part), plan.index.fields, plan.scans));
  }
  return parts.length === 0 ? undefined : combine(parts);
}
