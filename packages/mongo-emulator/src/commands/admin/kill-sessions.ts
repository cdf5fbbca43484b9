import type { ServerCommandHandler } from './server-context.js';
import { readSessionIds } from './session-ids.js';

/**
 * `killSessions`: kills the given logical sessions (an empty array: every session), aborting
 * their transactions in progress, forgetting their retryable writes and killing their cursors.
 */
export const killSessions: ServerCommandHandler = (command, context) => {
  const keys = readSessionIds(command, 'killSessions');
  if (keys.length === 0) {
    context.transactions.endAllSessions();
    context.retryableWrites.clear();
    context.cursorRegistry.killAllSessionCursors();
  } else {
    context.transactions.endSessions(keys);
    context.retryableWrites.forget(keys);
    context.cursorRegistry.killSessions(new Set(keys));
  }
  return {};
};
