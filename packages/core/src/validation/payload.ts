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

function reject(path: string, problem: string, value: unknown): never {
  throw new InvalidArgumentError('data', `${path} ${problem}`, value);
}

function isPlainObject(value: object): boolean {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function assertStorableObject(
  value: object,
  path: string,
  ancestors: Set<object>,
  depth: number,
): void {
  if (value instanceof BSON.BSONValue) {
    return;
  }
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) {
      reject(path, 'is an invalid Date, which BSON would store as 1970-01-01', value);
    }
    return;
  }
  const isArray = Array.isArray(value);
  if (!isArray && !isPlainObject(value)) {
    reject(
      path,
      'must be plain data: objects, arrays, strings, numbers, booleans, null, Date or BSON ' +
        'values (ObjectId, Binary, Decimal128, …); convert class instances, Map, Set, Buffer ' +
        'and RegExp first',
      value,
    );
  }
  if (ancestors.has(value)) {
    reject(
      path,
      'refers back to one of its parents (a circular reference cannot be stored)',
      value,
    );
  }
  if (depth > MAX_PAYLOAD_DEPTH) {
    reject(path, `nests deeper than ${MAX_PAYLOAD_DEPTH} levels`, value);
  }
  if (Object.getOwnPropertySymbols(value).length > 0) {
    reject(path, 'has symbol keys, which BSON cannot store', value);
  }
  ancestors.add(value);
  if (isArray) {
    for (let index = 0; index < value.length; index += 1) {
      assertStorable(value[index], childPath(path, index), ancestors, depth + 1);
    }
  } else {
    for (const [key, child] of Object.entries(value)) {
      if (key.includes('\0')) {
        reject(childPath(path, key), 'is a key containing NUL, which BSON cannot store', key);
      }
      assertStorable(child, childPath(path, key), ancestors, depth + 1);
    }
  }
  ancestors.delete(value);
}

function assertStorable(value: unknown, path: string, ancestors: Set<object>, depth: number) {
  switch (typeof value) {
    case 'function':
      return reject(path, 'must not be a function (BSON cannot store functions)', value);
    case 'symbol':
      return reject(path, 'must not be a symbol (BSON cannot store symbols)', value);
    case 'bigint':
      return reject(
        path,
        'must not be a BigInt (it would come back as a Number); use a string or BSON Long',
        value,
      );
    case 'undefined':
      return reject(
        path,
        'must not be undefined (the driver would store null or drop it); use null or omit the key',
        value,
      );
    case 'object':
      return value === null || assertStorableObject(value, path, ancestors, depth);
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
  assertStorable(stored, argument, new Set(), 1);
  const size = BSON.calculateObjectSize({ data: stored });
  if (size > maxPayloadSize) {
    throw new PayloadTooLargeError(size, maxPayloadSize);
  }
  return size;
}
