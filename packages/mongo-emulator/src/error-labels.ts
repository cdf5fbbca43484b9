import type { Document } from 'bson';
import { RETRYABLE_WRITE_COMMANDS } from './sessions.js';

/** Codes MongoDB labels `RetryableWriteError` on retryable writes (its RetriableError category). */
export const RETRYABLE_WRITE_ERROR_CODES: ReadonlySet<number> = new Set([
  6, // HostUnreachable
  7, // HostNotFound
  89, // NetworkTimeout
  91, // ShutdownInProgress
  189, // PrimarySteppedDown
  262, // ExceededTimeLimit
  9001, // SocketException
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
]);

/** Codes MongoDB labels `ResumableChangeStreamError` on change-stream `aggregate`/`getMore`. */
export const RESUMABLE_CHANGE_STREAM_ERROR_CODES: ReadonlySet<number> = new Set([
  ...RETRYABLE_WRITE_ERROR_CODES,
  63, // StaleShardVersion
  150, // StaleEpoch
  13388, // StaleConfig
  234, // RetryChangeStream
  133, // FailedToSatisfyReadPreference
]);

/**
 * Codes after which a whole transaction may be retried (mongod's `isTransientTransactionError`
 * besides NoSuchTransaction and the retryable codes): write and lock conflicts, snapshot errors,
 * stale routing.
 */
export const TRANSIENT_TRANSACTION_ERROR_CODES: ReadonlySet<number> = new Set([
  112, // WriteConflict
  24, // LockTimeout
  267, // PreparedTransactionInProgress
  239, // SnapshotTooOld
  246, // SnapshotUnavailable
  311, // StaleChunkHistory
  63, // StaleShardVersion
  150, // StaleEpoch
  13388, // StaleConfig
  249, // StaleDbVersion
]);

const NO_SUCH_TRANSACTION = 251;

/** What MongoDB looks at to label an error. */
export interface LabelFacts {
  /** MongoDB's name of the command. */
  commandName: string;
  command: Document;
  /** Top-level error code, when the command failed. */
  code?: number;
  /** Code of the reply's `writeConcernError`, when any. */
  writeConcernCode?: number;
  /** The command is a `getMore` on a change-stream cursor (after the cursor was checked out). */
  changeStreamGetMore?: boolean;
}

/** The error labels MongoDB 7.0 attaches to a reply (none for internal or successful commands). */
export function errorLabelsFor(facts: LabelFacts): string[] {
  const labels: string[] = [];
  const { code, writeConcernCode, command } = facts;
  const inTransaction = command.txnNumber !== undefined && command.autocommit !== undefined;
  const commitOrAbort =
    facts.commandName === 'commitTransaction' || facts.commandName === 'abortTransaction';
  if (inTransaction && code !== undefined && isTransientTransactionError(facts)) {
    // A transaction's statement: retry the whole transaction (never also RetryableWriteError).
    labels.push('TransientTransactionError');
  } else if (
    (inTransaction ? commitOrAbort : isRetryableWrite(facts)) &&
    ((code !== undefined && RETRYABLE_WRITE_ERROR_CODES.has(code)) ||
      (writeConcernCode !== undefined && RETRYABLE_WRITE_ERROR_CODES.has(writeConcernCode)))
  ) {
    labels.push('RetryableWriteError');
  }
  const changeStream = facts.changeStreamGetMore === true || isChangeStreamAggregate(facts);
  if (
    changeStream &&
    code !== undefined &&
    writeConcernCode === undefined &&
    RESUMABLE_CHANGE_STREAM_ERROR_CODES.has(code)
  ) {
    labels.push('ResumableChangeStreamError');
  }
  return labels;
}

/** A retryable write: a retryable write command with `txnNumber` and no `autocommit`. */
function isRetryableWrite(facts: LabelFacts): boolean {
  return (
    RETRYABLE_WRITE_COMMANDS.has(facts.commandName) &&
    facts.command.txnNumber !== undefined &&
    facts.command.autocommit === undefined
  );
}

/** mongod's `isTransientTransactionError(code, hasWriteConcernError, isCommitOrAbort)`. */
function isTransientTransactionError(facts: LabelFacts): boolean {
  const code = facts.code as number;
  if (TRANSIENT_TRANSACTION_ERROR_CODES.has(code)) return true;
  if (facts.commandName === 'commitTransaction' || facts.commandName === 'abortTransaction') {
    // After a commit or abort, NoSuchTransaction is safe to retry only without a write concern
    // error (the outcome could otherwise be rolled back).
    return code === NO_SUCH_TRANSACTION && facts.writeConcernCode === undefined;
  }
  return code === NO_SUCH_TRANSACTION || RETRYABLE_WRITE_ERROR_CODES.has(code);
}

function isChangeStreamAggregate(facts: LabelFacts): boolean {
  if (facts.commandName !== 'aggregate') return false;
  const pipeline: unknown = facts.command.pipeline;
  if (!Array.isArray(pipeline)) return false;
  const first: unknown = pipeline[0];
  return first !== null && typeof first === 'object' && '$changeStream' in first;
}
