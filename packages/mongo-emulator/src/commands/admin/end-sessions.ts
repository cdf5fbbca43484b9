import type { ServerCommandHandler } from './server-context.js';
import { readSessionIds } from './session-ids.js';

/**
 * `endSessions`: ends the given logical sessions, aborting their transactions in progress,
 * forgetting their retryable writes and killing their cursors.
 */
export const endSessions: ServerCommandHandler = (command, context) => {
  const keys = readSessionIds(command, 'endSessions');
  context.transactions.endSessions(keys);
  context.retryableWrites.forget(keys);
  context.cursorRegistry.killSessions(new Set(keys));
  return {};
};
