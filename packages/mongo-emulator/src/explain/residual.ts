import type { Document } from 'bson';
import { keyString } from '../query/key-string.js';
import { sameValues, servedByBounds } from '../storage/key-filter.js';
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
      if (single.operator === '$eq') return !sameValues(plan.ids, [single.operand]);
      return !(
        single.operator === '$in' &&
        Array.isArray(single.operand) &&
        sameValues(plan.ids, single.operand)
      );
    });
  } else if (plan?.kind === 'index' && !plan.index.multikey) {
    parts = parts.filter((part) => {
      const single = leaf(part);
      return !(single && servedByBounds(single, plan.index.fields, plan.scans));
    });
    // What the IXSCAN tests on keys is not tested again after the fetch.
    const onKeys = new Set(
      plan.keyFilter ? predicates(plan.keyFilter).map((p) => keyString(p)) : [],
    );
    parts = parts.filter((part) => !onKeys.has(keyString(part)));
  }
  return parts.length === 0 ? undefined : combine(parts);
}
