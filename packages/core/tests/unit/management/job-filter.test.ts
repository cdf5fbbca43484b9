import { ObjectId } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/errors.js';
import { canonicalFilter, checkJobFilter } from '../../../src/management/job-filter.js';
import { catchError } from '../validation/catch-error.js';

/** The argument an `InvalidArgumentError` thrown by `action` names. */
function refusedArgument(action: () => unknown): string {
  const error = catchError(action);
  expect(error).toBeInstanceOf(InvalidArgumentError);
  return (error as InvalidArgumentError).argument;
}

describe('checkJobFilter', () => {
  it('selects everything without a filter', () => {
    expect(checkJobFilter(undefined)).toEqual({
      names: undefined,
      statuses: undefined,
      ranges: {},
      uniqueKey: undefined,
      recurring: undefined,
      data: [],
    });
    expect(checkJobFilter({})).toEqual(checkJobFilter(undefined));
  });

  it('normalizes lists (sorted, without duplicates) and data (sorted by path)', () => {
    const checked = checkJobFilter({
      name: ['b', 'a', 'b'],
      status: ['failed', 'pending'],
      recurring: false,
      uniqueKey: 'k',
      data: { z: 1, 'a.b': 'x' },
    });
    expect(checked.names).toEqual(['a', 'b']);
    expect(checked.statuses).toEqual(['failed', 'pending']);
    expect(checked.recurring).toBe(false);
    expect(checked.uniqueKey).toBe('k');
    expect(checked.data).toEqual([
      ['a.b', 'x'],
      ['z', 1],
    ]);
    expect(checkJobFilter({ name: 'a', status: 'failed' })).toMatchObject({
      names: ['a'],
      statuses: ['failed'],
    });
  });

  it('copies dates, so a caller changing its Date afterwards changes nothing', () => {
    const from = new Date('2026-01-01T00:00:00Z');
    const at = new Date('2026-02-01T00:00:00Z');
    const checked = checkJobFilter({ createdAt: { from }, data: { at } });
    from.setFullYear(2000);
    at.setFullYear(2000);
    expect(checked.ranges.createdAt).toEqual({
      from: new Date('2026-01-01T00:00:00Z'),
      to: undefined,
    });
    expect(checked.data).toEqual([['at', new Date('2026-02-01T00:00:00Z')]]);
  });

  it('accepts every kind of data value', () => {
    const id = new ObjectId();
    const data = { s: '$gt', n: -1.5, t: true, z: null, d: new Date(0), o: id, inf: Infinity };
    expect(new Map(checkJobFilter({ data }).data)).toEqual(new Map(Object.entries(data)));
  });

  it('accepts ranges open on either side, and an empty one', () => {
    const day = new Date('2026-01-01T00:00:00Z');
    expect(checkJobFilter({ nextRunAt: { to: day }, updatedAt: {} }).ranges).toEqual({
      nextRunAt: { from: undefined, to: day },
      updatedAt: { from: undefined, to: undefined },
    });
    expect(checkJobFilter({ createdAt: { from: day, to: day } }).ranges.createdAt).toEqual({
      from: day,
      to: day,
    });
  });

  describe('refuses operator injection and bad values, naming the field', () => {
    const cases: Array<[string, unknown, string]> = [
      ['a non-object filter', 'pending', 'filter'],
      ['an array as filter', [{ status: 'pending' }], 'filter'],
      ['a class instance as filter', new Date(), 'filter'],
      ['$where at the top level', { $where: 'sleep(1000) || true' }, 'filter.$where'],
      ['$or at the top level', { $or: [{ status: 'failed' }] }, 'filter.$or'],
      ['a dotted key at the top level', { 'data.x': 1 }, 'filter.data.x'],
      ['a raw MongoDB field', { failReason: 'x' }, 'filter.failReason'],
      [
        'an own __proto__ key',
        JSON.parse('{"__proto__": {"status": "failed"}}'),
        'filter.__proto__',
      ],
      ['{ $ne: null } as name', { name: { $ne: null } }, 'filter.name'],
      ['{ $gt: "" } as name', { name: { $gt: '' } }, 'filter.name'],
      ['an operator inside the name list', { name: ['a', { $ne: null }] }, 'filter.name[1]'],
      ['an empty name list', { name: [] }, 'filter.name'],
      ['too many names', { name: Array.from({ length: 101 }, (_, i) => `n${i}`) }, 'filter.name'],
      ['an empty name', { name: '' }, 'filter.name'],
      ['{ $ne: null } as status', { status: { $ne: null } }, 'filter.status'],
      ['an unknown status', { status: 'queued' }, 'filter.status'],
      ['an unknown status in the list', { status: ['pending', 'done'] }, 'filter.status[1]'],
      ['{ $gt: "" } as uniqueKey', { uniqueKey: { $gt: '' } }, 'filter.uniqueKey'],
      ['{ $exists: true } as recurring', { recurring: { $exists: true } }, 'filter.recurring'],
      ['a string as recurring', { recurring: 'yes' }, 'filter.recurring'],
      ['an operator as range', { createdAt: { $gte: new Date() } }, 'filter.createdAt.$gte'],
      ['a Date as range', { createdAt: new Date() }, 'filter.createdAt'],
      ['an operator as range bound', { updatedAt: { from: { $gt: '' } } }, 'filter.updatedAt.from'],
      ['a number as range bound', { nextRunAt: { to: Date.now() } }, 'filter.nextRunAt.to'],
      ['an invalid Date', { nextRunAt: { from: new Date(Number.NaN) } }, 'filter.nextRunAt.from'],
      [
        'a range that ends before it starts',
        { createdAt: { from: new Date(2), to: new Date(1) } },
        'filter.createdAt',
      ],
      ['a non-object data', { data: 'x' }, 'filter.data'],
      ['an array as data', { data: [1] }, 'filter.data'],
      ['$where as data path', { data: { $where: 'true' } }, 'filter.data'],
      ['an operator in a data path', { data: { 'a.$gt': 1 } }, 'filter.data'],
      ['a $ inside a data path segment', { data: { a$b: 1 } }, 'filter.data'],
      ['an empty data path', { data: { '': 1 } }, 'filter.data'],
      ['an empty data path segment', { data: { 'a..b': 1 } }, 'filter.data'],
      ['a leading dot', { data: { '.a': 1 } }, 'filter.data'],
      ['a trailing dot', { data: { 'a.': 1 } }, 'filter.data'],
      ['a __proto__ data path', { data: JSON.parse('{"__proto__": 1}') }, 'filter.data'],
      ['a nested __proto__ segment', { data: { 'a.__proto__.b': 1 } }, 'filter.data'],
      ['a constructor segment', { data: { 'constructor.prototype': 1 } }, 'filter.data'],
      ['a prototype segment', { data: { 'x.prototype': 1 } }, 'filter.data'],
      ['a control character in a path', { data: { 'a\u0000b': 1 } }, 'filter.data'],
      ['an over-long data path', { data: { ['a'.repeat(256)]: 1 } }, 'filter.data'],
      [
        'too many data paths',
        { data: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`p${i}`, i])) },
        'filter.data',
      ],
      ['{ $ne: null } as data value', { data: { x: { $ne: null } } }, 'filter.data["x"]'],
      ['{ $gt: "" } as data value', { data: { x: { $gt: '' } } }, 'filter.data["x"]'],
      ['{ $where } as data value', { data: { x: { $where: 'true' } } }, 'filter.data["x"]'],
      ['an array as data value', { data: { x: [1, 2] } }, 'filter.data["x"]'],
      ['a plain object as data value', { data: { x: { y: 1 } } }, 'filter.data["x"]'],
      ['NaN as data value', { data: { x: Number.NaN } }, 'filter.data["x"]'],
      ['undefined as data value', { data: { x: undefined } }, 'filter.data["x"]'],
      ['a bigint as data value', { data: { x: 1n } }, 'filter.data["x"]'],
      ['a RegExp as data value', { data: { x: /./ } }, 'filter.data["x"]'],
      ['a function as data value', { data: { x: () => 1 } }, 'filter.data["x"]'],
    ];
    it.each(cases)('%s', (_, filter, argument) => {
      expect(refusedArgument(() => checkJobFilter(filter))).toBe(argument);
    });
  });

  it('refuses objects with a prototype of their own, whose fields it would otherwise inherit', () => {
    const inherited = Object.create({ status: { $ne: null } }) as object;
    expect(refusedArgument(() => checkJobFilter(inherited))).toBe('filter');
    const inheritedData = Object.create({ x: { $gt: '' } }) as object;
    expect(refusedArgument(() => checkJobFilter({ data: inheritedData }))).toBe('filter.data');
    const withNullPrototype = Object.assign(Object.create(null) as object, { status: 'failed' });
    expect(checkJobFilter(withNullPrototype).statuses).toEqual(['failed']);
  });

  it('names another argument when asked', () => {
    expect(refusedArgument(() => checkJobFilter({ status: 1 }, 'where'))).toBe('where.status');
  });

  it('says what it expected and what it got', () => {
    expect(catchError(() => checkJobFilter({ data: { x: { $ne: null } } })).message).toBe(
      'Invalid filter.data["x"]: must be a string, a number (not NaN), a boolean, null, a valid ' +
        'Date or an ObjectId (objects, arrays and operators are not accepted); got object ' +
        '{"$ne":null}.',
    );
    expect(catchError(() => checkJobFilter({ data: { 'a.$gt': 1 } })).message).toBe(
      'Invalid filter.data: each key must be a path inside data: without $ (operators are not ' +
        'accepted); got string "a.$gt".',
    );
  });
});

describe('canonicalFilter', () => {
  const canonical = (filter: unknown) => canonicalFilter(checkJobFilter(filter));

  it('is equal for filters that select the same jobs the same way', () => {
    expect(canonical({ name: ['a', 'b'], data: { x: 1, y: 2 } })).toBe(
      canonical({ data: { y: 2, x: 1 }, name: ['b', 'a', 'a'] }),
    );
    expect(canonical({ name: 'a' })).toBe(canonical({ name: ['a'] }));
  });

  it('differs when a value, its type or its field differs', () => {
    const id = new ObjectId();
    const filters: unknown[] = [
      {},
      { name: 'a' },
      { status: 'pending' },
      { uniqueKey: 'a' },
      { recurring: true },
      { recurring: false },
      { createdAt: { from: new Date(1) } },
      { createdAt: { to: new Date(1) } },
      { updatedAt: { from: new Date(1) } },
      { nextRunAt: { from: new Date(1) } },
      { data: { x: 1 } },
      { data: { x: '1' } },
      { data: { x: true } },
      { data: { x: 'true' } },
      { data: { x: null } },
      { data: { x: 'null' } },
      { data: { x: new Date(1) } },
      { data: { x: id } },
      { data: { x: id.toHexString() } },
      { data: { x: Infinity } },
      { data: { x: -Infinity } },
      { data: { y: 1 } },
    ];
    expect(new Set(filters.map(canonical)).size).toBe(filters.length);
  });
});
