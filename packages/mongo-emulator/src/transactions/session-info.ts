import { type Document, Long } from 'bson';
import { CommandError, ErrorCode } from '../errors.js';
import { RETRYABLE_WRITE_COMMANDS, sessionKeyOf } from '../sessions.js';
import { invalidOptions, notAllowedInTransaction } from './errors.js';

/** What a command's session fields (`lsid`, `txnNumber`, `autocommit`, `startTransaction`) ask. */
export type SessionInfo =
  /** No transaction number: a plain command (with or without a session). */
  | { kind: 'plain' }
  /** A retryable write: `txnNumber` without `autocommit`. */
  | { kind: 'retryableWrite'; sessionKey: string; txnNumber: Long }
  /** A statement of a multi-document transaction: `autocommit: false`. */
  | {
      kind: 'transaction';
      sessionKey: string;
      /** The `lsid` document as sent (`{id: UUID}`). */
      lsid: Document;
      txnNumber: Long;
      /** The statement opens the transaction (`startTransaction: true`). */
      startTransaction: boolean;
    };

/** The commands MongoDB 7 runs inside a multi-document transaction. */
export const TRANSACTION_COMMANDS: ReadonlySet<string> = new Set([
  'abortTransaction',
  'aggregate',
  'commitTransaction',
  'create',
  'createIndexes',
  'delete',
  'distinct',
  'find',
  'findAndModify',
  'getMore',
  'insert',
  'killCursors',
  'update',
]);

/** The commands that end a transaction. */
export const COMMIT_OR_ABORT: ReadonlySet<string> = new Set([
  'commitTransaction',
  'abortTransaction',
]);

/** Databases no transaction may use. */
const FORBIDDEN_DATABASES: ReadonlySet<string> = new Set(['config', 'local']);

function startsChangeStream(command: Document): boolean {
  const pipeline: unknown = command.pipeline;
  if (!Array.isArray(pipeline)) return false;
  const first: unknown = pipeline[0];
  return first !== null && typeof first === 'object' && '$changeStream' in first;
}

/**
 * Reads and checks a command's session fields as mongod does before running it (its
 * `initializeOperationSessionInfo` and `validateSessionOptions`), in the same order and with the
 * same errors. `commandName` is MongoDB's name of the command.
 */
export function readSessionInfo(
  command: Document,
  commandName: string,
  dbName: string,
  replicaSet: string | false,
): SessionInfo {
  const sessionKey = sessionKeyOf(asDocument(command.lsid));
  const { txnNumber, autocommit, startTransaction } = command;
  if (txnNumber !== undefined) {
    if (replicaSet === false) {
      throw new CommandError(
        ErrorCode.IllegalOperation,
        'Transaction numbers are only allowed on a replica set member or mongos',
      );
    }
    if (sessionKey === undefined) {
      throw new CommandError(
        ErrorCode.InvalidOptions,
        'Transaction number requires a session ID to also be specified',
      );
    }
  } else if (autocommit !== undefined) {
    throw invalidOptions("'autocommit' field requires a transaction number to also be specified");
  }
  if (autocommit !== undefined) {
    if (typeof autocommit !== 'boolean') {
      throw typeError('OperationSessionInfoFromClient.autocommit', 'bool');
    }
    if (autocommit) throw invalidOptions('Specifying autocommit=true is not allowed.');
  } else if (startTransaction !== undefined) {
    throw invalidOptions(
      "'startTransaction' field requires 'autocommit' field to also be specified",
    );
  }
  if (startTransaction !== undefined) {
    if (typeof startTransaction !== 'boolean') {
      throw typeError('OperationSessionInfoFromClient.startTransaction', 'bool');
    }
    if (!startTransaction)
      throw invalidOptions('Specifying startTransaction=false is not allowed.');
  }
  if (txnNumber === undefined || sessionKey === undefined) return { kind: 'plain' };

  if (autocommit === false) {
    checkAllowedInTransaction(command, commandName, dbName, startTransaction === true);
  } else if (!RETRYABLE_WRITE_COMMANDS.has(commandName)) {
    throw new CommandError(
      50768,
      `txnNumber may only be provided for multi-document transactions and retryable write commands. autocommit:false was not provided, and ${commandName} is not a retryable write command.`,
    );
  }
  if (!(txnNumber instanceof Long)) {
    throw typeError('OperationSessionInfo.txnNumber', 'long');
  }
  if (txnNumber.isNegative()) throw invalidOptions('Transaction number cannot be negative');
  if (autocommit !== false) return { kind: 'retryableWrite', sessionKey, txnNumber };
  return {
    kind: 'transaction',
    sessionKey,
    lsid: asDocument(command.lsid) as Document,
    txnNumber,
    startTransaction: startTransaction === true,
  };
}

/** mongod's `canUseTransactions` and the start rules of `validateSessionOptions`. */
function checkAllowedInTransaction(
  command: Document,
  commandName: string,
  dbName: string,
  starting: boolean,
): void {
  if (!TRANSACTION_COMMANDS.has(commandName)) {
    throw notAllowedInTransaction(`Cannot run '${commandName}' in a multi-document transaction.`);
  }
  if (FORBIDDEN_DATABASES.has(dbName)) {
    throw notAllowedInTransaction(
      `Cannot run command against the '${dbName}' database in a transaction.`,
    );
  }
  if (commandName === 'aggregate' && startsChangeStream(command)) {
    throw notAllowedInTransaction(
      'Operation not permitted in transaction :: caused by :: Stage not supported inside of a multi-document transaction: $changeStream',
    );
  }
  if (!starting) return;
  if (commandName === 'killCursors') {
    throw notAllowedInTransaction(
      'Cannot run killCursors as the first operation in a multi-document transaction.',
    );
  }
  if (commandName === 'commitTransaction') {
    throw notAllowedInTransaction('Cannot start a transaction with a commit');
  }
  if (commandName === 'abortTransaction') {
    throw notAllowedInTransaction('Cannot start a transaction with an abort');
  }
}

function typeError(field: string, expected: string): CommandError {
  return new CommandError(
    ErrorCode.TypeMismatch,
    `BSON field '${field}' is the wrong type, expected type '${expected}'`,
  );
}

function asDocument(value: unknown): Document | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Document)
    : undefined;
}
