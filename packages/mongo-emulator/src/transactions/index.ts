/** Multi-document transactions: sessions' transaction state, snapshots, locks and commit. */
export { transactionCommands } from './commands.js';
export {
  DEFAULT_TRANSACTION_LIFETIME_LIMIT_SECONDS,
  TransactionCoordinator,
  type TransactionCoordinatorOptions,
} from './coordinator.js';
export { readSessionInfo, type SessionInfo } from './session-info.js';
