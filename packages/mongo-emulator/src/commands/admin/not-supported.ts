import { notSupported } from '../../errors.js';
import { MONGODB_7_COMMANDS } from '../mongodb-commands.js';
import type { ServerCommandHandler } from './server-context.js';

/**
 * The commands answered as not supported: every command MongoDB 7.0 has (the registry replaces
 * those the emulator implements). Each answers `{ok: 0, code: 115 (CommandNotSupported)}`; a name
 * MongoDB itself does not know answers CommandNotFound (59) instead.
 */
export const NOT_SUPPORTED_COMMANDS: readonly string[] = MONGODB_7_COMMANDS;

/** A handler answering not supported for command `name`. */
export function notSupportedCommand(name: string): ServerCommandHandler {
  return () => {
    throw notSupported(`the '${name}' command`);
  };
}
