import { MAX_BSON_OBJECT_SIZE } from '../../wire/opcodes.js';
import type { ServerCommandHandler } from './server-context.js';
import { EMULATED_SERVER_VERSION, GIT_VERSION, versionArray } from './server-info.js';

/** `buildInfo`: the version and build facts of the emulated MongoDB 7.0 server. */
export const buildInfo: ServerCommandHandler = () => ({
  version: EMULATED_SERVER_VERSION,
  gitVersion: GIT_VERSION,
  modules: [],
  allocator: 'system',
  javascriptEngine: 'none',
  sysInfo: 'deprecated',
  versionArray: versionArray(),
  bits: 64,
  debug: false,
  maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
  storageEngines: ['ephemeralForTest'],
  buildEnvironment: {},
});
