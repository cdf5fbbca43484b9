import type { Long } from 'bson';
import { CommandError } from '../errors.js';

/**
 * The errors of MongoDB's transaction layer, with MongoDB 7's codes, names and messages. Their
 * error labels (`TransientTransactionError`, `RetryableWriteError`) are added by the dispatcher
 * from the code, as mongod does (see `errorLabelsFor`).
 */

/** 251 NoSuchTransaction: the session's transaction was aborted (by an error, an abort or expiry). */
export function transactionAborted(txnNumber: Long): CommandError {
  return new CommandError(
    251,
    `Transaction with { txnNumber: ${txnNumber.toString()} } has been aborted.`,
    { codeName: 'NoSuchTransaction' },
  );
}

/** 251 NoSuchTransaction: no transaction with this number is in progress on the session. */
export function noMatchingTransaction(txnNumber: Long, active: Long | undefined): CommandError {
  return new CommandError(
    251,
    `Given transaction number ${txnNumber.toString()} does not match any in-progress transactions. The active transaction number is ${active === undefined ? '-1' : active.toString()}`,
    { codeName: 'NoSuchTransaction' },
  );
}

/** 256 TransactionCommitted: a statement (other than a commit retry) after the commit. */
export function transactionCommitted(txnNumber: Long): CommandError {
  return new CommandError(
    256,
    `Transaction with { txnNumber: ${txnNumber.toString()} } has been committed.`,
    { codeName: 'TransactionCommitted' },
  );
}

/** 225 TransactionTooOld: a newer transaction or retryable write already started on the session. */
export function transactionTooOld(message: string): CommandError {
  return new CommandError(225, message, { codeName: 'TransactionTooOld' });
}

/** 112 WriteConflict: another transaction wrote the document (or key) first. */
export function writeConflict(): CommandError {
  return new CommandError(
    112,
    'Write conflict during plan execution and yielding is disabled. :: Please retry your operation or multi-document transaction.',
    { codeName: 'WriteConflict' },
  );
}

/** 263 OperationNotSupportedInTransaction. */
export function notAllowedInTransaction(message: string): CommandError {
  return new CommandError(263, message, { codeName: 'OperationNotSupportedInTransaction' });
}

/** 246 SnapshotUnavailable: the collection's catalog changed after the transaction's snapshot. */
export function snapshotUnavailable(ns: string): CommandError {
  return new CommandError(
    246,
    `Unable to read from a snapshot due to pending collection catalog changes to collection '${ns}'; please retry the operation.`,
    { codeName: 'SnapshotUnavailable' },
  );
}

/** 72 InvalidOptions. */
export function invalidOptions(message: string): CommandError {
  return new CommandError(72, message, { codeName: 'InvalidOptions' });
}

/** 11600 InterruptedAtShutdown: the server stopped while the command waited for a transaction. */
export function interruptedAtShutdown(): CommandError {
  return new CommandError(11600, 'interrupted at shutdown', {
    codeName: 'InterruptedAtShutdown',
  });
}
