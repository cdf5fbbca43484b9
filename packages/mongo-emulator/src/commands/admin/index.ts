import { transactionCommands } from '../../transactions/commands.js';
import { buildInfo } from './build-info.js';
import { configureFailPoint } from './configure-fail-point.js';
import { endSessions } from './end-sessions.js';
import { getMore } from './get-more.js';
import { getParameter } from './get-parameter.js';
import { hello } from './hello.js';
import { hostInfo } from './host-info.js';
import { killCursors } from './kill-cursors.js';
import { killSessions } from './kill-sessions.js';
import { ping } from './ping.js';
import { refreshSessions } from './refresh-sessions.js';
import type { ServerCommandHandler } from './server-context.js';
import { serverStatus } from './server-status.js';
import { whatsmyuri } from './whatsmyuri.js';

/** The server's own commands, keyed by name. */
export const adminCommands: Readonly<Record<string, ServerCommandHandler>> = {
  hello,
  isMaster: hello,
  ismaster: hello,
  ping,
  buildInfo,
  buildinfo: buildInfo,
  hostInfo,
  getParameter,
  serverStatus,
  whatsmyuri,
  endSessions,
  killSessions,
  refreshSessions,
  configureFailPoint,
  getMore,
  killCursors,
  ...transactionCommands,
};
