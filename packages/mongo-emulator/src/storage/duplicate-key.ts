import type { Document } from 'bson';
import { CommandError, ErrorCode } from '../errors.js';
import { formatValue } from '../query/format.js';

/**
 * MongoDB's duplicate key error (11000) with its exact message and the `keyPattern`/`keyValue`
 * fields that writeErrors and findAndModify replies carry.
 */
export function duplicateKeyError(
  ns: string,
  indexName: string,
  keyPattern: Document,
  keyValue: Document,
): CommandError {
  return new CommandError(
    ErrorCode.DuplicateKey,
    `E11000 duplicate key error collection: ${ns} index: ${indexName} dup key: ${formatValue(keyValue, true)}`,
    { extra: { keyPattern, keyValue } },
  );
}
