import type { Document } from 'bson';
import { CommandError } from '../../errors.js';
import { sessionKeyOf } from '../../sessions.js';

/**
 * Reads the session ids of `endSessions`/`killSessions`/`refreshSessions`: an array of
 * `{id: UUID}` documents. Returns their keys (hex of the id).
 * @throws CommandError TypeMismatch (14) for anything else.
 */
export function readSessionIds(command: Document, field: string): string[] {
  const value: unknown = command[field];
  if (!Array.isArray(value)) {
    throw new CommandError(
      14,
      `BSON field '${field}.${field}' is the wrong type, expected type 'array'`,
    );
  }
  return value.map((entry: unknown, index) => {
    const key =
      entry !== null && typeof entry === 'object' ? sessionKeyOf(entry as Document) : undefined;
    if (key === undefined) {
      throw new CommandError(
        14,
        `BSON field '${field}.${index}' must be a session id document {id: UUID}`,
      );
    }
    return key;
  });
}
