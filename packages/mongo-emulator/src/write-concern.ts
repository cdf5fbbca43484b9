import type { Document } from 'bson';
import { numericValue } from './commands/admin/numbers.js';
import { CommandError, ErrorCode } from './errors.js';

/** Commands that take a `writeConcern` (writes and collection/index/database changes). */
export const WRITE_CONCERN_COMMANDS: ReadonlySet<string> = new Set([
  'insert',
  'update',
  'delete',
  'findAndModify',
  'create',
  'drop',
  'dropDatabase',
  'createIndexes',
  'dropIndexes',
  'renameCollection',
  'collMod',
  'commitTransaction',
  'abortTransaction',
]);

/**
 * Checks a command's `writeConcern` before it runs, as a one-member server can: a standalone
 * refuses `w` > 1 (BadValue, as mongod).
 */
export function validateWriteConcern(command: Document, replicaSet: string | false): void {
  const w = writeConcernW(command);
  if (replicaSet === false && w !== undefined && typeof w === 'number' && w > 1) {
    throw new CommandError(ErrorCode.BadValue, "cannot use 'w' > 1 on a standalone mongod");
  }
}

/**
 * The `writeConcernError` a one-member replica set reports after the write ran: more nodes than
 * it has (UnsatisfiableWriteConcern, 100), or an unknown tag set (UnknownReplWriteConcern, 79).
 */
export function writeConcernErrorFor(
  command: Document,
  commandName: string,
  replicaSet: string | false,
): Document | undefined {
  if (replicaSet === false || !WRITE_CONCERN_COMMANDS.has(commandName)) return undefined;
  const w = writeConcernW(command);
  if (typeof w === 'number' && w > 1) {
    return {
      code: 100,
      codeName: 'UnsatisfiableWriteConcern',
      errmsg: 'Not enough data-bearing nodes',
    };
  }
  if (typeof w === 'string' && w !== 'majority') {
    return {
      code: 79,
      codeName: 'UnknownReplWriteConcern',
      errmsg: `No write concern mode named '${w}' found in replica set configuration`,
    };
  }
  return undefined;
}

function writeConcernW(command: Document): number | string | undefined {
  const concern: unknown = command.writeConcern;
  if (concern === null || typeof concern !== 'object') return undefined;
  const w: unknown = (concern as Document).w;
  if (typeof w === 'string') return w;
  return numericValue(w);
}
