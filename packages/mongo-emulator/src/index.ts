/**
 * `@monque/mongo-emulator`: an in-process MongoDB test server the official driver connects to over
 * TCP. Start one with {@link MongoEmulator.start}.
 */
export {
  EMULATED_SERVER_VERSION,
  FEATURE_COMPATIBILITY_VERSION,
  MAX_WIRE_VERSION,
} from './commands/admin/server-info.js';
export type { CursorBatch, CursorSource } from './commands/context.js';
export { arraySource, DEFAULT_CURSOR_TIMEOUT_MS } from './cursors.js';
export { CommandError, ErrorCode, notSupported } from './errors.js';
export { FAIL_POINT_NAMES, type FailPointName } from './failpoints.js';
export {
  DEFAULT_TTL_MONITOR_INTERVAL_MS,
  MongoEmulator,
  type MongoEmulatorOptions,
} from './server.js';
export { DEFAULT_TRANSACTION_LIFETIME_LIMIT_SECONDS } from './transactions/index.js';
