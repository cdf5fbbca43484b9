import { Long } from 'bson';
import type { GetMoreOptions } from '../../cursors.js';
import { CommandError, ErrorCode } from '../../errors.js';
import { numericValue } from './numbers.js';
import type { ServerCommandHandler } from './server-context.js';

/**
 * `getMore`: the next batch of a cursor. Awaitable (change-stream) cursors wait up to `maxTimeMS`
 * (default 1 s) for data.
 */
export const getMore: ServerCommandHandler = async (command, context) => {
  const id: unknown = command.getMore;
  if (!(id instanceof Long)) {
    throw new CommandError(
      ErrorCode.TypeMismatch,
      `BSON field 'getMore.getMore' is the wrong type '${bsonTypeName(id)}', expected type 'long'`,
    );
  }
  const collection: unknown = command.collection;
  if (collection === undefined) {
    throw new CommandError(
      40414,
      "BSON field 'getMore.collection' is missing but a required field",
    );
  }
  if (typeof collection !== 'string') {
    throw new CommandError(
      ErrorCode.TypeMismatch,
      `BSON field 'getMore.collection' is the wrong type '${bsonTypeName(collection)}', expected type 'string'`,
    );
  }
  const options: GetMoreOptions = {};
  const batchSize = readNonNegative(command.batchSize, 'batchSize');
  if (batchSize !== undefined && batchSize > 0) options.batchSize = batchSize;
  const maxTimeMS = readNonNegative(command.maxTimeMS, 'maxTimeMS');
  if (maxTimeMS !== undefined) options.maxTimeMS = maxTimeMS;
  if (context.lsid !== undefined) options.lsid = context.lsid;
  return context.cursorRegistry.getMore(id, `${context.dbName}.${collection}`, options);
};

function readNonNegative(value: unknown, field: string): number | undefined {
  if (value === undefined) return undefined;
  const number = numericValue(value);
  if (number === undefined || !Number.isFinite(number)) {
    throw new CommandError(
      ErrorCode.TypeMismatch,
      `BSON field 'getMore.${field}' is the wrong type '${bsonTypeName(value)}', expected types '[long, int, decimal, double]'`,
    );
  }
  if (number < 0) {
    throw new CommandError(
      ErrorCode.BadValue,
      `BSON field '${field}' value must be >= 0, actual value '${number}'`,
    );
  }
  return Math.trunc(number);
}

/** The BSON type name MongoDB prints for a value in type errors. */
export function bsonTypeName(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return 'double';
  if (Array.isArray(value)) return 'array';
  if (value instanceof Date) return 'date';
  if (typeof value === 'object' && '_bsontype' in value) {
    const type = String((value as { _bsontype: unknown })._bsontype);
    const names: Record<string, string> = {
      Long: 'long',
      Int32: 'int',
      Double: 'double',
      Decimal128: 'decimal',
      ObjectId: 'objectId',
      Binary: 'binData',
      Timestamp: 'timestamp',
      BSONRegExp: 'regex',
    };
    return names[type] ?? type.toLowerCase();
  }
  return 'object';
}
