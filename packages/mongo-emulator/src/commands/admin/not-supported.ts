import { notSupported } from '../../errors.js';
import type { ServerCommandHandler } from './server-context.js';

/**
 * Commands MongoDB 7.0 has that the emulator does not implement. Each answers
 * `{ok: 0, code: 115 (CommandNotSupported)}`; a name MongoDB itself does not know answers
 * CommandNotFound (59) instead.
 */
export const NOT_SUPPORTED_COMMANDS: readonly string[] = [
  // authentication and users
  'saslStart',
  'saslContinue',
  'authenticate',
  'logout',
  'getnonce',
  'createUser',
  'updateUser',
  'dropUser',
  'dropAllUsersFromDatabase',
  'usersInfo',
  'grantRolesToUser',
  'revokeRolesFromUser',
  'createRole',
  'updateRole',
  'dropRole',
  'rolesInfo',
  'connectionStatus',
  // sessions
  'startSession',
  // replication and sharding
  'replSetGetStatus',
  'replSetGetConfig',
  'replSetInitiate',
  'replSetReconfig',
  'replSetStepDown',
  'replSetFreeze',
  'replSetMaintenance',
  'replSetSyncFrom',
  'appendOplogNote',
  'shardingState',
  // server administration and diagnostics
  'getCmdLineOpts',
  'getLog',
  'setParameter',
  'setFeatureCompatibilityVersion',
  'shutdown',
  'fsync',
  'fsyncUnlock',
  'currentOp',
  'killOp',
  'top',
  'logRotate',
  'profile',
  'connPoolStats',
  'getDefaultRWConcern',
  'setDefaultRWConcern',
  'lockInfo',
  'features',
  'listCommands',
  'waitForFailPoint',
];

/** A handler answering not supported for command `name`. */
export function notSupportedCommand(name: string): ServerCommandHandler {
  return () => {
    throw notSupported(`the '${name}' command`);
  };
}
