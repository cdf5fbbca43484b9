import { Long } from 'bson';
import { CommandError, ErrorCode } from '../../errors.js';
import { bsonTypeName } from './get-more.js';
import type { ServerCommandHandler } from './server-context.js';

/** `killCursors`: kills cursors of one collection by id. */
export const killCursors: ServerCommandHandler = (command, context) => {
  const collection: unknown = command.killCursors;
  if (typeof collection !== 'string') {
    throw new CommandError(
      ErrorCode.TypeMismatch,
      `BSON field 'killCursors.killCursors' is the wrong type '${bsonTypeName(collection)}', expected type 'string'`,
    );
  }
  const cursors: unknown = command.cursors;
  if (cursors === undefined) {
    throw new CommandError(
      40414,
      "BSON field 'killCursors.cursors' is missing but a required field",
    );
  }
  if (!Array.isArray(cursors)) {
    throw new CommandError(
      ErrorCode.TypeMismatch,
      `BSON field 'killCursors.cursors' is the wrong type '${bsonTypeName(cursors)}', expected type 'array'`,
    );
  }
  const ids = cursors.map((id: unknown, index) => {
    if (!(id instanceof Long)) {
      throw new CommandError(
        ErrorCode.TypeMismatch,
        `BSON field 'killCursors.cursors.${index}' is the wrong type '${bsonTypeName(id)}', expected type 'long'`,
      );
    }
    return id;
  });
  const result = context.cursorRegistry.killInNamespace(`${context.dbName}.${collection}`, ids);
  return {
    cursorsKilled: result.killed,
    cursorsNotFound: result.notFound,
    cursorsAlive: [],
    cursorsUnknown: [],
  };
};
