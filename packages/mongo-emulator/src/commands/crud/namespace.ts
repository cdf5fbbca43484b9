import type { Document } from 'bson';
import { CommandError, ErrorCode } from '../../errors.js';
import { bsonTypeOf } from '../../query/bson-types.js';

/** The collection a command names (its first field), validated as MongoDB does. */
export function collectionName(command: Document, dbName: string): string {
  const [field, value] = Object.entries(command)[0] ?? ['', undefined];
  if (typeof value !== 'string') {
    throw new CommandError(
      ErrorCode.InvalidNamespace,
      `collection name has invalid type ${bsonTypeOf(value)}`,
    );
  }
  if (value === '' || value.includes('\0') || value.startsWith('.') || value.includes('$')) {
    throw new CommandError(
      ErrorCode.InvalidNamespace,
      `Invalid namespace specified '${dbName}.${value}'`,
    );
  }
  void field;
  return value;
}
