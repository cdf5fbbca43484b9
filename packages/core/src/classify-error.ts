import { ConnectionError, DatabaseError, describeCause, MonqueError } from './errors.js';

/**
 * Server error codes that say "try again": the server is (for now) not the primary, is shutting
 * down or stepping down, a network hop failed or timed out, the write conflicted with another, or
 * the cluster's routing was stale. The retryable codes of the driver's retryable-reads and
 * retryable-writes specs, plus write conflicts, time limits and stale routing.
 *
 * @internal
 */
export const TRANSIENT_ERROR_CODES = Object.freeze({
  HostUnreachable: 6,
  HostNotFound: 7,
  LockTimeout: 24,
  CursorNotFound: 43,
  MaxTimeMSExpired: 50,
  StaleShardVersion: 63,
  WriteConcernTimeout: 64,
  NetworkTimeout: 89,
  ShutdownInProgress: 91,
  WriteConflict: 112,
  FailedToSatisfyReadPreference: 133,
  ReadConcernMajorityNotAvailableYet: 134,
  StaleEpoch: 150,
  PrimarySteppedDown: 189,
  NetworkInterfaceExceededTimeLimit: 202,
  RetryChangeStream: 234,
  ExceededTimeLimit: 262,
  SocketException: 9001,
  LegacyNotPrimary: 10058,
  NotWritablePrimary: 10107,
  InterruptedAtShutdown: 11600,
  InterruptedDueToReplStateChange: 11602,
  StaleConfig: 13388,
  NotPrimaryNoSecondaryOk: 13435,
  NotPrimaryOrSecondary: 13436,
} as const);

const TRANSIENT_CODES: ReadonlySet<number> = new Set(Object.values(TRANSIENT_ERROR_CODES));

/**
 * Error labels with which the server or the driver marks an error as worth retrying.
 *
 * @internal
 */
export const TRANSIENT_ERROR_LABELS: readonly string[] = [
  'RetryableWriteError',
  'TransientTransactionError',
  'ResumableChangeStreamError',
  'RetryableError',
  'SystemOverloadedError',
];

/**
 * Driver error classes that are connection problems whatever their code: the network failed or
 * timed out, no server could be selected, the pool was cleared, the operation's time ran out.
 */
const TRANSIENT_CLASSES: ReadonlySet<string> = new Set([
  'MongoNetworkError',
  'MongoServerSelectionError',
  'MongoServerClosedError',
  'MongoPoolClearedError',
  'MongoOperationTimeoutError',
]);

/**
 * The name of an error and of its classes (the driver's classes are recognised by name, so that an
 * application's own copy of the driver is recognised too).
 */
function classNames(error: object): Set<string> {
  const names = new Set<string>([String((error as { name?: unknown }).name)]);
  for (
    let proto = Object.getPrototypeOf(error);
    proto !== null;
    proto = Object.getPrototypeOf(proto)
  ) {
    const name = (proto as { constructor?: { name?: unknown } }).constructor?.name;
    if (typeof name === 'string') names.add(name);
  }
  return names;
}

function labelsOf(error: object): readonly unknown[] {
  const labels = (error as { errorLabels?: unknown }).errorLabels;
  return Array.isArray(labels) ? labels : [];
}

/** The server's code of an error: its own, or its write concern error's. */
function codesOf(error: object): number[] {
  const codes: number[] = [];
  const own = Number((error as { code?: unknown }).code);
  if (Number.isInteger(own)) codes.push(own);
  const writeConcern = (error as { result?: { writeConcernError?: { code?: unknown } } }).result
    ?.writeConcernError?.code;
  if (Number.isInteger(Number(writeConcern))) codes.push(Number(writeConcern));
  return codes;
}

/**
 * The errors an error wraps: its `cause`, and the error a driver wrapper was built from (a
 * `MongoBulkWriteError` of a `bulkWrite` or `insertMany` that failed on the network or found no
 * server keeps that error as its `errorResponse`, without its class, labels or code).
 */
function wrappedErrors(error: object): unknown[] {
  const { cause, errorResponse } = error as { cause?: unknown; errorResponse?: unknown };
  return errorResponse instanceof Error ? [cause, errorResponse] : [cause];
}

function isTransient(error: unknown, seen: Set<object>): boolean {
  if (error instanceof ConnectionError) return true;
  if (error instanceof MonqueError || typeof error !== 'object' || error === null) return false;
  if (seen.has(error)) return false;
  seen.add(error);
  const names = classNames(error);
  if ([...TRANSIENT_CLASSES].some((name) => names.has(name))) return true;
  if (labelsOf(error).some((label) => TRANSIENT_ERROR_LABELS.includes(String(label)))) return true;
  if (codesOf(error).some((code) => TRANSIENT_CODES.has(code))) return true;
  return wrappedErrors(error).some((wrapped) => isTransient(wrapped, seen));
}

/**
 * Whether an error is *transient* (the same operation may succeed when tried again) or
 * *permanent* (it will fail the same way). Transient: Monque's `ConnectionError` (including its
 * round-trip time limit); the driver's network, server selection, pool-cleared and timeout errors;
 * an error labelled retryable (`RetryableWriteError`, `TransientTransactionError`,
 * `ResumableChangeStreamError`, …); a server code of {@link TRANSIENT_ERROR_CODES}; an error that
 * wraps a transient one (its `cause`, or the error a driver wrapper such as `MongoBulkWriteError`
 * was built from). Everything else is permanent: a validator's refusal, an index conflict, a
 * document over 16 MiB, a bad value, missing rights, a closed client, a bug — and any of Monque's
 * own errors but `ConnectionError`, whatever it wraps.
 *
 * @internal
 */
export function classifyError(error: unknown): 'transient' | 'permanent' {
  return isTransient(error, new Set()) ? 'transient' : 'permanent';
}

/**
 * An error of an operation on the database as Monque reports it: Monque's own errors pass through;
 * a transient one becomes a {@link ConnectionError}; a permanent error of the database or its
 * driver a {@link DatabaseError} carrying the server's `code` and `codeName`; anything else (such
 * as a `TypeError` of a bug) a plain {@link MonqueError}. The message names the operation and the
 * cause (`could not enqueue job "a": Document failed validation (code 121)`); `cause` keeps the
 * original error.
 *
 * @param operation - What Monque was doing, as the start of the message
 * (`'could not enqueue job "a"'`).
 * @internal
 */
export function asMonqueError(error: unknown, operation: string): MonqueError {
  if (error instanceof MonqueError) return error;
  const message = `${operation}: ${describeCause(error)}`;
  if (classifyError(error) === 'transient') return new ConnectionError(message, { cause: error });
  const { code, codeName } = (error ?? {}) as { code?: unknown; codeName?: unknown };
  const numericCode = Number(code);
  const fromDatabase =
    Number.isInteger(numericCode) ||
    (typeof error === 'object' && error !== null && classNames(error).has('MongoError'));
  if (!fromDatabase) return new MonqueError(message, { cause: error });
  return new DatabaseError(message, {
    cause: error,
    code: Number.isInteger(numericCode) ? numericCode : undefined,
    codeName: typeof codeName === 'string' ? codeName : undefined,
  });
}

/**
 * The error a call made with a `session` rejects with: inside a transaction, an error labelled
 * `TransientTransactionError` (a `WriteConflict` with a concurrent transaction, a catalog change
 * since the transaction's snapshot, a network error) is kept as the driver's error, so that the
 * driver's `withTransaction` — which retries only errors of its own classes carrying that label —
 * runs the transaction again; every other error is {@link asMonqueError}'s.
 *
 * @internal
 */
export function asCallError(error: unknown, operation: string, inSession: boolean): unknown {
  if (
    inSession &&
    typeof error === 'object' &&
    error !== null &&
    labelsOf(error).includes('TransientTransactionError')
  ) {
    return error;
  }
  return asMonqueError(error, operation);
}
