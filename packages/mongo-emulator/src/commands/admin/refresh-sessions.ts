import type { ServerCommandHandler } from './server-context.js';
import { readSessionIds } from './session-ids.js';

/** `refreshSessions`: sessions never expire in the emulator, so this only validates its input. */
export const refreshSessions: ServerCommandHandler = (command) => {
  readSessionIds(command, 'refreshSessions');
  return {};
};
