import { ObjectId } from 'mongodb';
import { InvalidArgumentError } from '../errors.js';

const OBJECT_ID_HEX = /^[0-9a-f]{24}$/i;

/**
 * Checks a job id and returns it as an `ObjectId`: an `ObjectId` is returned as is, a
 * 24-character hex string is converted; anything else (including objects such as
 * `{ $ne: null }` and 12-character strings) is rejected before it can reach a query.
 *
 * @param id - The id as given by the caller.
 * @param argument - The argument name for the error; defaults to `'id'`.
 * @returns The id as an `ObjectId`.
 * @throws InvalidArgumentError naming the argument, the rule and the value.
 *
 * @example
 * ```ts
 * const id = assertJobId('65a1f0c2e4b0a1b2c3d4e5f6');
 * await monque.collection.findOne({ _id: id });
 * ```
 */
export function assertJobId(id: unknown, argument = 'id'): ObjectId {
  if (id instanceof ObjectId) {
    return id;
  }
  if (typeof id === 'string' && OBJECT_ID_HEX.test(id)) {
    return ObjectId.createFromHexString(id);
  }
  throw new InvalidArgumentError(
    argument,
    'must be an ObjectId or a 24-character hexadecimal string',
    id,
  );
}
