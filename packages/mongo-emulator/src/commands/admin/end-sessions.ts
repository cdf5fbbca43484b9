import type { ServerCommandHandler } from './server-context.js';
import { readSessionIds } from './session-ids.js';

/**
 * `endSessions`: ends the given logical sessions, forgetting their retryable writes and killing
 * their cursors.
 */
export const endSessions: ServerCommandHandler = (command, context) => {
  const keys = readSessionIds(command, 'endSessions');
  context.retryableWrites.forget(keys);
  context.cursorRegistry.killSessions(new Set(keys));
  return {};
};
