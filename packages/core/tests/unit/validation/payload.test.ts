import { Binary, BSON, Decimal128, Long, ObjectId } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, PayloadTooLargeError } from '../../../src/errors.js';
import { assertPayload, MAX_PAYLOAD_DEPTH } from '../../../src/validation/payload.js';
import { catchError } from './catch-error.js';

const MiB = 1024 * 1024;
const LIMIT = 16 * MiB;

function nest(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let level = 1; level < levels; level += 1) value = { a: value };
  return value;
}

class Point {
  x = 1;
}

const circular: Record<string, unknown> = { name: 'loop' };
circular.self = circular;
const circularArray: unknown[] = [1];
circularArray.push({ back: circularArray });

describe('assertPayload', () => {
  it.each<[string, unknown]>([
    ['a plain object', { to: 'ada@example.com', count: 2, ok: true, none: null }],
    ['a string', 'hello'],
    ['a number, including NaN', Number.NaN],
    ['null', null],
    ['nested arrays and objects', { rows: [[1, 2], { deep: [{ x: 'y' }] }] }],
    ['a Date', { at: new Date('2026-01-01T00:00:00Z') }],
    [
      'BSON values',
      {
        id: new ObjectId(),
        bin: new Binary(Buffer.from('hi')),
        dec: Decimal128.fromString('1.5'),
        long: Long.fromNumber(5),
      },
    ],
    ['a null-prototype object', Object.assign(Object.create(null), { a: 1 })],
    ['keys that are not identifiers, and $-prefixed keys', { 'a b': 1, $set: 2 }],
    [
      'a shared (non-circular) reference',
      (() => {
        const shared = { v: 1 };
        return { a: shared, b: [shared, shared] };
      })(),
    ],
    ['nesting of exactly the maximum depth', nest(MAX_PAYLOAD_DEPTH)],
  ])('accepts %s', (_, data) => {
    expect(assertPayload(data, LIMIT)).toBe(BSON.calculateObjectSize({ data }));
  });

  it('accepts undefined data and measures it as null (the job stores null)', () => {
    expect(assertPayload(undefined, LIMIT)).toBe(BSON.calculateObjectSize({ data: null }));
  });

  it.each<[string, unknown, string]>([
    [
      'a top-level function',
      function send() {},
      'Invalid data: data must not be a function (BSON cannot store functions); got function send.',
    ],
    [
      'a nested function',
      { user: { callback: () => 1 } },
      'Invalid data: data.user.callback must not be a function (BSON cannot store functions); got function callback.',
    ],
    [
      'a symbol in an array',
      { tags: ['a', Symbol('b')] },
      'Invalid data: data.tags[1] must not be a symbol (BSON cannot store symbols); got Symbol(b).',
    ],
    [
      'a BigInt',
      { 'big value': 10n },
      'Invalid data: data["big value"] must not be a BigInt (it would come back as a Number); use a string or BSON Long; got bigint 10n.',
    ],
    [
      'a nested undefined',
      { cc: undefined },
      'Invalid data: data.cc must not be undefined (the driver would store null or drop it); use null or omit the key; got undefined.',
    ],
    [
      'an array hole',
      // biome-ignore lint/suspicious/noSparseArray: the hole is the case under test.
      { list: [1, , 3] },
      'Invalid data: data.list[1] must not be undefined (the driver would store null or drop it); use null or omit the key; got undefined.',
    ],
    [
      'a circular object',
      circular,
      'Invalid data: data.self refers back to one of its parents (a circular reference cannot be stored); got an object with keys name, self.',
    ],
    [
      'a circular array',
      circularArray,
      'Invalid data: data[1].back refers back to one of its parents (a circular reference cannot be stored); got an array of 2 items.',
    ],
    [
      'an invalid Date',
      { at: new Date(Number.NaN) },
      'Invalid data: data.at is an invalid Date, which BSON would store as 1970-01-01; got an invalid Date.',
    ],
    [
      'a class instance',
      { point: new Point() },
      'Invalid data: data.point must be plain data: objects, arrays, strings, numbers, booleans, null, Date or BSON values (ObjectId, Binary, Decimal128, …); convert class instances, Map, Set, Buffer and RegExp first; got an instance of Point.',
    ],
    [
      'a Map',
      new Map([['a', 1]]),
      'Invalid data: data must be plain data: objects, arrays, strings, numbers, booleans, null, Date or BSON values (ObjectId, Binary, Decimal128, …); convert class instances, Map, Set, Buffer and RegExp first; got an instance of Map.',
    ],
    [
      'a Buffer',
      { file: Buffer.from('x') },
      'Invalid data: data.file must be plain data: objects, arrays, strings, numbers, booleans, null, Date or BSON values (ObjectId, Binary, Decimal128, …); convert class instances, Map, Set, Buffer and RegExp first; got an instance of Buffer.',
    ],
    [
      'a symbol key',
      { [Symbol('k')]: 1 },
      'Invalid data: data has symbol keys, which BSON cannot store; got object {}.',
    ],
    [
      'a key containing NUL',
      { 'a\0b': 1 },
      'Invalid data: data["a\\u0000b"] is a key containing NUL, which BSON cannot store; got string "a\\u0000b".',
    ],
    [
      'nesting deeper than the maximum',
      { wrap: nest(MAX_PAYLOAD_DEPTH) },
      `Invalid data: data.wrap${'.a'.repeat(MAX_PAYLOAD_DEPTH - 1)} nests deeper than ${MAX_PAYLOAD_DEPTH} levels; got object {}.`,
    ],
  ])('rejects %s, naming its path', (_, data, message) => {
    const error = catchError(() => assertPayload(data, LIMIT));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).argument).toBe('data');
    expect(error.message).toBe(message);
  });

  it('rejects data larger than 16 MiB once encoded, with both sizes', () => {
    const data = { blob: 'x'.repeat(LIMIT) };
    const size = BSON.calculateObjectSize({ data });
    const error = catchError(() => assertPayload(data, LIMIT));
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect([(error as PayloadTooLargeError).size, (error as PayloadTooLargeError).limit]).toEqual([
      size,
      LIMIT,
    ]);
    expect(error.message).toBe(
      `Job data is ${size} bytes once BSON-encoded, more than the limit of ${LIMIT} bytes ` +
        '(option maxPayloadSize); store large content elsewhere and pass a reference.',
    );
  });

  it('applies a smaller custom limit, accepting exactly the limit', () => {
    const data = { text: 'x'.repeat(100) };
    const size = BSON.calculateObjectSize({ data });
    expect(assertPayload(data, size)).toBe(size);
    const error = catchError(() => assertPayload(data, size - 1));
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(error.message).toBe(
      `Job data is ${size} bytes once BSON-encoded, more than the limit of ${size - 1} bytes ` +
        '(option maxPayloadSize); store large content elsewhere and pass a reference.',
    );
  });
});
