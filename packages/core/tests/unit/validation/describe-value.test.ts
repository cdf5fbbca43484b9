import { ObjectId } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { describeValue } from '../../../src/validation/describe-value.js';

class Point {}

const circular: Record<string, unknown> = { a: 1 };
circular.self = circular;

describe('describeValue', () => {
  it.each<[string, unknown, string]>([
    ['a string', 'abc', 'string "abc"'],
    ['a long string, truncated', 'x'.repeat(100), `string "${'x'.repeat(78)}…`],
    ['a number', 42, 'number 42'],
    ['NaN', Number.NaN, 'number NaN'],
    ['a bigint', 10n, 'bigint 10n'],
    ['a boolean', true, 'boolean true'],
    ['a symbol', Symbol('s'), 'Symbol(s)'],
    ['undefined', undefined, 'undefined'],
    ['null', null, 'null'],
    ['a named function', function send() {}, 'function send'],
    ['an anonymous function', (() => () => {})(), 'an anonymous function'],
    ['an empty array', [], 'an array of 0 items'],
    ['a one-item array', [1], 'an array of 1 item'],
    ['a Date', new Date('2026-01-01T00:00:00Z'), 'Date 2026-01-01T00:00:00.000Z'],
    ['an invalid Date', new Date(Number.NaN), 'an invalid Date'],
    ['an ObjectId', new ObjectId('65a1f0c2e4b0a1b2c3d4e5f6'), 'ObjectId(65a1f0c2e4b0a1b2c3d4e5f6)'],
    ['an operator object', { $ne: null }, 'object {"$ne":null}'],
    ['a null-prototype object', Object.assign(Object.create(null), { a: 1 }), 'object {"a":1}'],
    ['a circular object', circular, 'an object with keys a, self'],
    ['a class instance', new Point(), 'an instance of Point'],
    ['an anonymous class instance', new (class {})(), 'an instance of an anonymous class'],
    [
      'an object without constructor',
      Object.create(Object.create(null)),
      'an instance of an anonymous class',
    ],
  ])('describes %s', (_, value, expected) => {
    expect(describeValue(value)).toBe(expected);
  });
});
