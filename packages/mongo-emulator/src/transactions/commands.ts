import type { ServerCommandHandler } from '../commands/admin/server-context.js';
import { invalidOptions } from './errors.js';

/**
 * `commitTransaction` and `abortTransaction`. With `autocommit: false` the transaction coordinator
 * answers them before any handler runs; these handlers answer the same command sent outside a
 * transaction, as mongod does.
 */
export const transactionCommands: Readonly<Record<string, ServerCommandHandler>> = {
  commitTransaction: () => {
    throw invalidOptions('commitTransaction must be run within a transaction');
  },
  abortTransaction: () => {
    throw invalidOptions('abortTransaction must be run within a transaction');
  },
};
