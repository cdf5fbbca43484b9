import type { Document } from 'bson';
import { BSON, MongoBulkWriteError, MongoError, MongoServerError } from 'mongodb';
import { MatchError, type Matcher } from './matcher.js';
import { RunnerError } from './runner-error.js';
import { show } from './values.js';

function describeError(error: unknown): string {
  if (error instanceof MongoServerError) {
    return `${error.name} ${error.code} (${error.codeName ?? '?'}): ${error.message}`;
  }
  return error instanceof Error ? `${error.name}: ${error.message}` : show(error);
}

/**
 * True for an error the driver raised before or instead of a server reply: its own errors
 * (argument checks, transaction state, network and server selection) and BSON serialisation
 * errors. Never true for a server reply, nor for anything the runner or the test itself threw.
 */
function isDriverClientError(error: unknown): boolean {
  if (error instanceof MongoServerError) return false;
  return error instanceof MongoError || BSON.BSONError.isBSONError(error);
}

/**
 * Checks an operation's error against `expectError`. A {@link RunnerError} (the runner's own
 * failure) never satisfies an expectation: it is thrown again.
 */
export function checkExpectedError(expectError: Document, error: unknown, matcher: Matcher): void {
  if (error instanceof RunnerError) throw error;
  const fail = (message: string): never => {
    throw new MatchError('expectError', `${message}; the error was ${describeError(error)}`);
  };
  const isServerError = error instanceof MongoServerError;
  if (expectError.isClientError === true && !isDriverClientError(error)) {
    fail('expected a client-side error (raised by the driver before or instead of a reply)');
  }
  if (expectError.isClientError === false && !isServerError) fail('expected a server error');
  if (expectError.errorCode !== undefined) {
    const code = isServerError ? error.code : undefined;
    if (Number(code) !== Number(expectError.errorCode))
      fail(`expected error code ${expectError.errorCode}`);
  }
  if (expectError.errorCodeName !== undefined) {
    const codeName = isServerError ? error.codeName : undefined;
    if (codeName !== expectError.errorCodeName)
      fail(`expected codeName ${expectError.errorCodeName}`);
  }
  if (typeof expectError.errorContains === 'string') {
    const message = error instanceof Error ? error.message : String(error);
    if (!message.toLowerCase().includes(expectError.errorContains.toLowerCase())) {
      fail(`expected the message to contain "${expectError.errorContains}"`);
    }
  }
  const labels = (expectError.errorLabelsContain as string[] | undefined) ?? [];
  for (const label of labels) {
    if (!(error instanceof MongoError) || !error.hasErrorLabel(label))
      fail(`expected the label ${label}`);
  }
  for (const label of (expectError.errorLabelsOmit as string[] | undefined) ?? []) {
    if (error instanceof MongoError && error.hasErrorLabel(label))
      fail(`expected no label ${label}`);
  }
  if (expectError.expectResult !== undefined) {
    if (!(error instanceof MongoBulkWriteError))
      fail('expected a bulk write error with a partial result');
    matcher.match(expectError.expectResult, (error as MongoBulkWriteError).result, {
      path: 'expectError.expectResult',
    });
  }
  if (expectError.errorResponse !== undefined) {
    const response = isServerError ? error.errorResponse : undefined;
    matcher.match(expectError.errorResponse, response, { path: 'expectError.errorResponse' });
  }
}
