import { hostname } from 'node:os';
import { Long } from 'bson';
import type { ServerCommandHandler } from './server-context.js';
import { EMULATED_SERVER_VERSION } from './server-info.js';

/** Connections the server claims it could still accept (mongod reports its ulimit-derived value). */
const AVAILABLE_CONNECTIONS = 838_860;

/** `serverStatus`: a minimal status (host, version, process, uptime, connections). */
export const serverStatus: ServerCommandHandler = (_command, context) => {
  const now = new Date();
  const uptimeMillis = now.getTime() - context.runtime.startedAt.getTime();
  const current = context.runtime.currentConnections();
  return {
    host: `${hostname()}:${context.server.port}`,
    version: EMULATED_SERVER_VERSION,
    process: 'mongod',
    pid: Long.fromNumber(process.pid),
    uptime: Math.floor(uptimeMillis / 1000),
    uptimeMillis: Long.fromNumber(uptimeMillis),
    uptimeEstimate: Long.fromNumber(Math.floor(uptimeMillis / 1000)),
    localTime: now,
    connections: {
      current,
      available: AVAILABLE_CONNECTIONS - current,
      totalCreated: context.runtime.totalConnectionsCreated(),
      active: current,
    },
  };
};
