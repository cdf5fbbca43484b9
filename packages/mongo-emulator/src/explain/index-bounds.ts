import type { Document } from 'bson';
import { type BsonValue, bsonTypeOf } from '../query/bson-types.js';
import { setField } from '../query/fields.js';
import { formatValue } from '../query/format.js';
import { asNumber } from '../query/numeric.js';
import type { Index, IndexBounds, RangeBound } from '../storage/index.js';

/** How MongoDB prints one bound of an interval (`BSONElement::toString` without field name). */
function formatBound(bound: RangeBound): string {
  if (bound.label !== undefined) return bound.label;
  const value = bound.value;
  const type = bsonTypeOf(value);
  if (type === 'double' || type === 'int' || type === 'long' || type === 'decimal') {
    const n = asNumber(value) ?? 0;
    if (Number.isNaN(n)) return 'nan.0';
    if (n === Number.POSITIVE_INFINITY) return 'inf.0';
    if (n === Number.NEGATIVE_INFINITY) return '-inf.0';
  }
  return formatValue(value, true);
}

const MIN_KEY: RangeBound = { value: undefined, inclusive: true, label: 'MinKey' };
const MAX_KEY: RangeBound = { value: undefined, inclusive: true, label: 'MaxKey' };

/** One interval in index order: from `first` to `last` (for a descending field, high to low). */
interface Interval {
  first: RangeBound;
  last: RangeBound;
}

function render({ first, last }: Interval): string {
  return `${first.inclusive ? '[' : '('}${formatBound(first)}, ${formatBound(last)}${last.inclusive ? ']' : ')'}`;
}

function point(value: BsonValue): Interval {
  const bound = { value, inclusive: true };
  return { first: bound, last: bound };
}

/**
 * The `indexBounds` of an IXSCAN as MongoDB prints them: per key field, its intervals in the
 * order the scan reads them. `scans` are the planner's bounds (one per equality prefix, all with
 * the same range on the next field); fields after the range are unbounded.
 */
export function formatIndexBounds(
  index: Index,
  scans: readonly IndexBounds[],
  reverse: boolean,
): Document {
  const out: Document = {};
  const first = scans[0];
  const k = first?.prefix.length ?? 0;
  index.fields.forEach((field, i) => {
    const descending = (index.directions[i] ?? 1) < 0;
    let intervals: Interval[];
    if (i < k) {
      const seen = new Set<string>();
      intervals = [];
      for (const scan of scans) {
        const value = scan.prefix[i];
        const text = formatValue(value, true);
        if (seen.has(text)) continue;
        seen.add(text);
        intervals.push(point(value));
      }
    } else if (i === k && (first?.lower !== undefined || first?.upper !== undefined)) {
      const lower = first?.lower ?? MIN_KEY;
      const upper = first?.upper ?? MAX_KEY;
      intervals = [descending ? { first: upper, last: lower } : { first: lower, last: upper }];
    } else {
      intervals = [
        descending ? { first: MAX_KEY, last: MIN_KEY } : { first: MIN_KEY, last: MAX_KEY },
      ];
    }
    if (reverse) {
      intervals = intervals.reverse().map(({ first: a, last: b }) => ({ first: b, last: a }));
    }
    setField(out, field, intervals.map(render));
  });
  return out;
}
