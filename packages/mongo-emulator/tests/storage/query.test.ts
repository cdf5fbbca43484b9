import { Binary, Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId, Timestamp } from 'bson';
import { describe, expect, it } from 'vitest';
import { CommandError } from '../../src/errors.js';
import { compareValues } from '../../src/query/compare.js';
import { compileFilter } from '../../src/query/matcher.js';
import { compileSort } from '../../src/query/sort.js';
import { describeUpdate } from '../../src/query/update-description.js';
import { upsertSeed } from '../../src/query/upsert-seed.js';

describe('BSON comparison order', () => {
  it('orders mixed types as MongoDB does', () => {
    const ordered = [
      new MinKey(),
      null,
      1,
      'a',
      { a: 1 },
      [1],
      new Binary(Buffer.from([1])),
      new ObjectId('000000000000000000000001'),
      false,
      new Date(0),
      new Timestamp({ t: 1, i: 1 }),
      /a/,
      new MaxKey(),
    ];
    const shuffled = [...ordered].reverse();
    shuffled.sort(compareValues);
    expect(shuffled).toEqual(ordered);
  });

  it('compares numbers by value across Int32, Long, Double and Decimal128', () => {
    expect(compareValues(new Int32(2), Long.fromNumber(2))).toBe(0);
    expect(compareValues(new Double(2.5), Long.fromNumber(2))).toBe(1);
    expect(compareValues(Decimal128.fromString('10'), 9)).toBe(1);
    expect(compareValues(Long.fromString('9007199254740993'), 9007199254740992)).toBe(1);
    expect(compareValues(Number.NaN, -Infinity)).toBe(-1);
  });
});

describe('filter semantics', () => {
  const match = (filter: object, doc: object) => compileFilter(filter)(doc);

  it('matches null against missing and arrays element-wise', () => {
    expect(match({ a: null }, {})).toBe(true);
    expect(match({ a: null }, { a: 1 })).toBe(false);
    expect(match({ 'a.b': 1 }, { a: [{ b: 2 }, { b: 1 }] })).toBe(true);
    expect(match({ a: 2 }, { a: [1, 2] })).toBe(true);
    expect(match({ a: [1, 2] }, { a: [1, 2] })).toBe(true);
  });

  it('brackets comparisons by type', () => {
    expect(match({ a: { $gt: 1 } }, { a: 'z' })).toBe(false);
    expect(match({ a: { $lt: new Date(10) } }, { a: new Date(5) })).toBe(true);
    expect(match({ a: { $gte: Long.fromNumber(3) } }, { a: 3 })).toBe(true);
    expect(match({ a: { $in: [1, null] } }, {})).toBe(true);
    expect(match({ a: { $nin: [1] } }, { a: [1, 2] })).toBe(false);
  });

  it('knows $type aliases and codes, including objectId, long and decimal', () => {
    expect(match({ a: { $type: 'objectId' } }, { a: new ObjectId() })).toBe(true);
    expect(match({ a: { $type: 'long' } }, { a: Long.fromNumber(1) })).toBe(true);
    expect(match({ a: { $type: 'decimal' } }, { a: Decimal128.fromString('1') })).toBe(true);
    expect(match({ a: { $type: 16 } }, { a: 1 })).toBe(true);
    expect(match({ a: { $type: 'number' } }, { a: 1.5 })).toBe(true);
    expect(match({ a: { $type: 'int' } }, { a: 1.5 })).toBe(false);
  });

  it('supports logical operators, $elemMatch, $size, $all, $regex, $not, $expr', () => {
    expect(match({ $or: [{ a: 1 }, { b: 1 }] }, { b: 1 })).toBe(true);
    expect(match({ $nor: [{ a: 1 }] }, { a: 1 })).toBe(false);
    expect(match({ a: { $elemMatch: { x: 1, y: 2 } } }, { a: [{ x: 1 }, { x: 1, y: 2 }] })).toBe(
      true,
    );
    expect(match({ a: { $size: 2 } }, { a: [1, 2] })).toBe(true);
    expect(match({ a: { $all: [1, 2] } }, { a: [2, 1, 3] })).toBe(true);
    expect(match({ a: { $regex: '^x', $options: 'i' } }, { a: 'Xy' })).toBe(true);
    expect(match({ a: { $not: { $gt: 5 } } }, { a: 3 })).toBe(true);
    expect(match({ $expr: { $gt: ['$a', '$b'] } }, { a: new Int32(3), b: 2 })).toBe(true);
  });

  it('answers unknown operators with BadValue', () => {
    expect(() => compileFilter({ a: { $foo: 1 } })).toThrowError(
      expect.objectContaining({ code: 2, message: 'unknown operator: $foo' }) as unknown as Error,
    );
    const error = (() => {
      try {
        compileFilter({ $foo: 1 });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(CommandError);
    expect((error as CommandError).message).toMatch(/^unknown top level operator: \$foo/);
  });
});

describe('sort', () => {
  it('sorts arrays by their min (asc) or max (desc) element and missing as null', () => {
    const docs = [{ _id: 1, a: [5, 1] }, { _id: 2, a: 3 }, { _id: 3 }];
    const asc = compileSort({ a: 1 });
    const desc = compileSort({ a: -1 });
    expect([...docs].sort(asc).map((d) => d._id)).toEqual([3, 1, 2]);
    expect([...docs].sort(desc).map((d) => d._id)).toEqual([1, 2, 3]);
  });
});

describe('upsert seed and update description', () => {
  it('seeds from equalities, $eq and $and but not $or or operators', () => {
    expect(
      upsertSeed({
        a: 1,
        'b.c': 2,
        d: { $eq: 3 },
        $and: [{ e: 4 }],
        $or: [{ f: 5 }],
        g: { $gt: 1 },
      }),
    ).toEqual({
      a: 1,
      b: { c: 2 },
      d: 3,
      e: 4,
    });
  });

  it('describes updated, removed fields and truncated arrays', () => {
    expect(
      describeUpdate(
        { _id: 1, a: 1, b: { c: 1, d: 2 }, arr: [1, 2, 3], gone: 1 },
        { _id: 1, a: 2, b: { c: 1, d: 3 }, arr: [1, 2] },
      ),
    ).toEqual({
      updatedFields: { a: 2, 'b.d': 3 },
      removedFields: ['gone'],
      truncatedArrays: [{ field: 'arr', newSize: 2 }],
      disambiguatedPaths: {},
    });
  });

  it('disambiguates paths through array indexes, numeric names and names with dots', () => {
    expect(
      describeUpdate(
        { _id: 1, arr: [{ x: 1 }, 2], obj: { '0': 'a' }, 'a.b': 1 },
        { _id: 1, arr: [{ x: 5 }, 2, 3], obj: { '0': 'b' }, 'a.b': 2 },
      ),
    ).toEqual({
      updatedFields: { 'arr.0': { x: 5 }, 'arr.2': 3, 'obj.0': 'b', 'a.b': 2 },
      removedFields: [],
      truncatedArrays: [],
      disambiguatedPaths: {
        'arr.0': ['arr', 0],
        'arr.2': ['arr', 2],
        'obj.0': ['obj', '0'],
        'a.b': ['a.b'],
      },
    });
  });
});
