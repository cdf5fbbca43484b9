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
  const retryableWrite =
    RETRYABLE_WRITE_COMMANDS.has(facts.commandName) &&
    facts.command.txnNumber !== undefined &&
    facts.command.autocommit === undefined;
  if (
    retryableWrite &&
    ((facts.code !== undefined && RETRYABLE_WRITE_ERROR_CODES.has(facts.code)) ||
      (facts.writeConcernCode !== undefined &&
        RETRYABLE_WRITE_ERROR_CODES.has(facts.writeConcernCode)))
  ) {
    labels.push('RetryableWriteError');
  }
  const changeStream = facts.changeStreamGetMore === true || isChangeStreamAggregate(facts);
  if (
    changeStream &&
    facts.code !== undefined &&
    facts.writeConcernCode === undefined &&
    RESUMABLE_CHANGE_STREAM_ERROR_CODES.has(facts.code)
  ) {
    labels.push('ResumableChangeStreamError');
  }
  return labels;
}

function isChangeStreamAggregate(facts: LabelFacts): boolean {
  if (facts.commandName !== 'aggregate') return false;
  const pipeline: unknown = facts.command.pipeline;
  if (!Array.isArray(pipeline)) return false;
  const first: unknown = pipeline[0];
  return first !== null && typeof first === 'object' && '$changeStream' in first;
}
