import type { ServerCommandHandler } from './server-context.js';

/** `whatsmyuri`: the client's own address as the server sees it. */
export const whatsmyuri: ServerCommandHandler = (_command, context) => ({
  you: context.connection.remoteAddress,
});
