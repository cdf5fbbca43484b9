import type { ServerCommandHandler } from './server-context.js';

/** `ping`: answers `{ok: 1}`. */
export const ping: ServerCommandHandler = () => ({});
