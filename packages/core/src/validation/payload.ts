import { BSON } from 'mongodb';
import { InvalidArgumentError, PayloadTooLargeError } from '../errors.js';

/**
 * How deeply job data may nest (the data itself is level 1). MongoDB accepts at most 100 levels
 * per document and the job document wraps the data, so this leaves room to spare.
 *
 * @example
 * ```ts
 * assertPayload({ a: { b: { c: 1 } } }, 1024); // 3 levels: fine
 * ```
 */
export const MAX_PAYLOAD_DEPTH = 90;

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') {
    return `${path}[${key}]`;
  }
  return IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/** The walk through one value: the argument its errors name, and the objects above the current one. */
interface Walk {
  readonly argument: string;
  readonly ancestors: Set<object>;
}

function reject(walk: Walk, path: string, problem: string, value: unknown): never {
  throw new InvalidArgumentError(walk.argument, `${path} ${problem}`, value);
}

/** Whether an object is a plain object: made by `{…}` or `Object.create(null)`, not a class instance. */
export function isPlainObject(value: object): boolean {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function assertStorableObject(value: object, path: string, walk: Walk, depth: number): void {
  if (value instanceof BSON.BSONValue) {
    return;
  }
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) {
      reject(walk, path, 'is an invalid Date, which BSON would store as 1970-01-01', value);
    }
    return;
  }
  const isArray = Array.isArray(value);
  if (!isArray && !isPlainObject(value)) {
    reject(
      walk,
      path,
      'must be plain data: objects, arrays, strings, numbers, booleans, null, Date or BSON ' +
        'values (ObjectId, Binary, Decimal128, …); convert class instances, Map, Set, Buffer ' +
        'and RegExp first',
      value,
    );
  }
  if (walk.ancestors.has(value)) {
    reject(
      walk,
      path,
      'refers back to one of its parents (a circular reference cannot be stored)',
      value,
    );
  }
  if (depth > MAX_PAYLOAD_DEPTH) {
    reject(walk, path, `nests deeper than ${MAX_PAYLOAD_DEPTH} levels`, value);
  }
  if (Object.getOwnPropertySymbols(value).length > 0) {
    reject(walk, path, 'has symbol keys, which BSON cannot store', value);
  }
  walk.ancestors.add(value);
  if (isArray) {
    for (let index = 0; index < value.length; index += 1) {
      assertStorable(value[index], childPath(path, index), walk, depth + 1);
    }
  } else {
    for (const [key, child] of Object.entries(value)) {
      if (key.includes('\0')) {
        reject(walk, childPath(path, key), 'is a key containing NUL, which BSON cannot store', key);
      }
      assertStorable(child, childPath(path, key), walk, depth + 1);
    }
  }
  walk.ancestors.delete(value);
}

function assertStorable(value: unknown, path: string, walk: Walk, depth: number) {
  switch (typeof value) {
    case 'function':
      return reject(walk, path, 'must not be a function (BSON cannot store functions)', value);
    case 'symbol':
      return reject(walk, path, 'must not be a symbol (BSON cannot store symbols)', value);
    case 'bigint':
      return reject(
        walk,
        path,
        'must not be a BigInt (it would come back as a Number); use a string or BSON Long',
        value,
      );
    case 'undefined':
      return reject(
        walk,
        path,
        'must not be undefined (the driver would store null or drop it); use null or omit the key',
        value,
      );
    case 'object':
      return value === null || assertStorableObject(value, path, walk, depth);
    default:
      return;
  }
}

/**
 * Asserts that job data can be stored as BSON and read back as the same value, and that it fits
 * in `maxPayloadSize` bytes once encoded. Runs before anything is written.
 *
 * Accepted: `null`, strings, numbers, booleans, valid `Date`s, BSON values (`ObjectId`,
 * `Binary`, `Decimal128`, `Long`, …), arrays and plain objects of these, up to
 * {@link MAX_PAYLOAD_DEPTH} levels. Rejected anywhere in the value: functions, symbols (values
 * and keys), BigInt, `undefined`, invalid Dates, circular references, keys containing NUL, and
 * other class instances (`Map`, `Set`, `Buffer`, `RegExp`, your own classes), which BSON would
 * turn into something else. The single exception is `data` itself being `undefined` (a job
 * without payload): it is accepted, and the job stores `null` as its data.
 *
 * @param data - The job data as given by the caller.
 * @param maxPayloadSize - The limit in bytes (`maxPayloadSize` option).
 * @param argument - The path the data is named by in errors (`'data'` by default; `enqueueMany`
 * passes such as `'jobs[2].data'`).
 * @returns The BSON-encoded size of `{ data }` in bytes.
 * @throws InvalidArgumentError (argument `'data'`) naming the path of the offending value, such as
 * `data.user.callback`.
 * @throws PayloadTooLargeError when the encoded size exceeds `maxPayloadSize`.
 *
 * @example
 * ```ts
 * assertPayload({ to: 'ada@example.com', at: new Date() }, 16 * 1024 * 1024); // returns the size
 * assertPayload({ send: () => {} }, 1024); // throws: data.send must not be a function …
 * ```
 */
export function assertPayload(data: unknown, maxPayloadSize: number, argument = 'data'): number {
  const stored = data === undefined ? null : data;
  assertStorable(stored, argument, { argument: 'data', ancestors: new Set() }, 1);
  const size = BSON.calculateObjectSize({ data: stored });
  if (size > maxPayloadSize) {
    throw new PayloadTooLargeError(size, maxPayloadSize);
  }
  return size;
}

/**
 * Asserts that a value can be stored as BSON and read back as the same value, by the rules of
 * {@link assertPayload} (without its size limit and without its exception for `undefined`), and
 * returns its BSON-encoded size as the field `field` of a document.
 *
 * @param value - The value, such as a handler's result or a progress document.
 * @param argument - What the value is, named by the error and its paths (such as `'result'`).
 * @returns The BSON-encoded size of `{ [argument]: value }` in bytes.
 * @throws InvalidArgumentError naming `argument` and the path of the offending value, such as
 * `result.user.callback must not be a function …`.
 *
 * @example
 * ```ts
 * const size = assertStorableValue({ rows: 12 }, 'result'); // 28
 * assertStorableValue(new Map(), 'result'); // throws: result must be plain data …
 * ```
 */
export function assertStorableValue(value: unknown, argument: string): number {
  assertStorable(value, argument, { argument, ancestors: new Set() }, 1);
  return BSON.calculateObjectSize({ [argument]: value });
}
