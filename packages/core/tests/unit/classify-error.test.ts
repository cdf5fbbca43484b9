import {
  MongoBulkWriteError,
  MongoNetworkError,
  MongoNetworkTimeoutError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
  MongoWriteConcernError,
} from 'mongodb';
import { describe, expect, it } from 'vitest';
import {
  asCallError,
  asMonqueError,
  classifyError,
  TRANSIENT_ERROR_CODES,
} from '../../src/classify-error.js';
import {
  ConnectionError,
  DatabaseError,
  describeCause,
  InvalidArgumentError,
  MonqueError,
  RoundTripTimeoutError,
} from '../../src/errors.js';

function serverError(code: number, extra: Record<string, unknown> = {}): MongoServerError {
  return new MongoServerError({ message: `server error ${code}`, code, ...extra });
}

/** The topology of a driver that found no server (for a `MongoServerSelectionError`). */
const NO_SERVER = {
  type: 'Unknown',
  servers: new Map(),
  stale: false,
  compatible: true,
  heartbeatFrequencyMS: 1000,
  localThresholdMS: 15,
  setName: null,
  maxElectionId: null,
  maxSetVersion: null,
  commonWireVersion: 0,
  logicalSessionTimeoutMinutes: null,
};

/**
 * The error a `bulkWrite` (and so an `insertMany`) throws while the server is down, as the driver
 * builds it: a `MongoBulkWriteError` (a `MongoServerError`, without labels or code) whose
 * `errorResponse` is the server selection error, whose `cause` is the refused connection.
 */
function bulkWriteDuringOutage(): MongoBulkWriteError {
  const refused = new MongoNetworkError('connect ECONNREFUSED 127.0.0.1:27017');
  const selection = new MongoServerSelectionError('Server selection timed out', {
    ...NO_SERVER,
    error: refused,
  } as never);
  return new MongoBulkWriteError(selection, {} as never);
}

/** Two errors, each the cause of the other. */
function circularCause(): Error {
  const first = new Error('first');
  first.cause = new Error('second', { cause: first });
  return first;
}

describe('classifyError', () => {
  it.each([
    ['a network error', new MongoNetworkError('connection reset')],
    ['a network timeout', new MongoNetworkTimeoutError('timed out')],
    ['no server to select', new MongoServerSelectionError('no primary', NO_SERVER as never)],
    ['a bulk write that found no server (a refused connection)', bulkWriteDuringOutage()],
    [
      'a bulk write whose connection failed',
      new MongoBulkWriteError(new MongoNetworkError('connection reset'), {} as never),
    ],
    [
      'an error caused by a network error',
      new Error('could not x', { cause: new MongoNetworkError('connection reset') }),
    ],
    ["Monque's round-trip time limit", new RoundTripTimeoutError('send the heartbeat', 5000)],
    ['a ConnectionError', new ConnectionError('down', { cause: undefined })],
    ['not primary (10107)', serverError(10107)],
    ['stepped down (189)', serverError(189)],
    ['a write conflict (112)', serverError(112)],
    ['exceeded time limit (262)', serverError(262)],
    ['labelled RetryableWriteError', serverError(2, { errorLabels: ['RetryableWriteError'] })],
    [
      'labelled TransientTransactionError',
      serverError(2, { errorLabels: ['TransientTransactionError'] }),
    ],
    [
      'a write concern timeout (64)',
      new MongoWriteConcernError({
        writeConcernError: { code: 64, errmsg: 'waiting for replication timed out' },
      } as never),
    ],
    ['a duck-typed network error', Object.assign(new Error('x'), { name: 'MongoNetworkError' })],
    ['a duck-typed code', Object.assign(new Error('x'), { code: 91 })],
  ])('%s is transient', (_label, error) => {
    expect(classifyError(error)).toBe('transient');
  });

  it.each([
    ['a validator refusal (121)', serverError(121)],
    ['an index options conflict (85)', serverError(85)],
    ['an index key conflict (86)', serverError(86)],
    ['a document over 16 MiB (17419)', serverError(17419)],
    ['a duplicate key (11000)', serverError(11000)],
    ['a bad value (2)', serverError(2)],
    [
      'an unknown write concern (79)',
      new MongoWriteConcernError({
        writeConcernError: { code: 79, errmsg: 'unknown mode' },
      } as never),
    ],
    ['a closed client', new MongoTopologyClosedError()],
    [
      'a bulk write on a closed client',
      new MongoBulkWriteError(new MongoTopologyClosedError(), {} as never),
    ],
    [
      'a bulk write refused by a validator',
      new MongoBulkWriteError(
        { message: 'Document failed validation', code: 121, writeErrors: [] },
        {} as never,
      ),
    ],
    ['an error caused by a bug', new Error('could not x', { cause: new TypeError('x') })],
    ['an error that is its own cause', circularCause()],
    [
      'a Monque error caused by a network error',
      new MonqueError('x', { cause: new MongoNetworkError('connection reset') }),
    ],
    ['a TypeError (a bug)', new TypeError('x is undefined')],
    ['a Monque error', new InvalidArgumentError('name', 'must be a string', 1)],
    ['a string', 'boom'],
    ['null', null],
    ['an object without a constructor', Object.create(Object.create(null))],
  ])('%s is permanent', (_label, error) => {
    expect(classifyError(error)).toBe('permanent');
  });

  it('holds every retryable code of the driver', () => {
    expect(Object.values(TRANSIENT_ERROR_CODES)).toEqual(
      expect.arrayContaining([6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436]),
    );
  });
});

describe('asMonqueError', () => {
  it('passes Monque errors through', () => {
    const own = new MonqueError('own');
    expect(asMonqueError(own, 'could not x')).toBe(own);
  });

  it('makes a transient error a ConnectionError naming the operation and the cause', () => {
    const cause = new MongoNetworkError('connection reset');
    const error = asMonqueError(cause, 'could not claim jobs');
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.message).toBe('could not claim jobs: connection reset');
    expect(error.cause).toBe(cause);
  });

  it('makes a bulk write that failed on the network a ConnectionError', () => {
    const cause = bulkWriteDuringOutage();
    const error = asMonqueError(cause, 'could not enqueue 2 jobs');
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.message).toBe('could not enqueue 2 jobs: connect ECONNREFUSED 127.0.0.1:27017');
    expect(error.cause).toBe(cause);
  });

  it('makes a permanent server error a DatabaseError with its code and codeName', () => {
    const cause = serverError(86, { codeName: 'IndexKeySpecsConflict' });
    const error = asMonqueError(cause, 'could not initialize');
    expect(error).toBeInstanceOf(DatabaseError);
    expect(error).toMatchObject({
      code: 86,
      codeName: 'IndexKeySpecsConflict',
      message: 'could not initialize: server error 86 (IndexKeySpecsConflict)',
    });
  });

  it('makes a driver error without a code a DatabaseError without one', () => {
    const error = asMonqueError(new MongoTopologyClosedError(), 'could not enqueue job "a"');
    expect(error).toBeInstanceOf(DatabaseError);
    expect(error).toMatchObject({ code: undefined, codeName: undefined });
    expect(error.message).toMatch(/^could not enqueue job "a": Topology is closed/);
  });

  it('makes a bulk write error a DatabaseError with its first write error code', () => {
    const cause = new MongoBulkWriteError(
      { message: 'Document failed validation', code: 121, writeErrors: [] },
      {} as never,
    );
    expect(asMonqueError(cause, 'could not x')).toMatchObject({
      name: 'DatabaseError',
      code: 121,
      message: 'could not x: Document failed validation (code 121)',
    });
  });

  it('makes any other value a plain MonqueError naming it', () => {
    const bug = asMonqueError(new TypeError('x is undefined'), 'could not x');
    expect(bug.constructor).toBe(MonqueError);
    expect(bug.message).toBe('could not x: x is undefined');
    expect(asMonqueError('boom', 'could not x').message).toBe(
      'could not x: a non-Error value: string "boom"',
    );
    expect(asMonqueError(undefined, 'could not x').message).toBe(
      'could not x: a non-Error value: undefined',
    );
  });
});

describe('describeCause', () => {
  it('names the codeName unless the message says it already', () => {
    expect(describeCause(serverError(11000, { codeName: 'DuplicateKey' }))).toBe(
      'server error 11000 (DuplicateKey)',
    );
    const said = new MongoServerError({ message: 'E11000 DuplicateKey', code: 11000 });
    said.codeName = 'DuplicateKey';
    expect(describeCause(said)).toBe('E11000 DuplicateKey');
    expect(describeCause(Object.assign(new Error(''), { name: 'Odd' }))).toBe('Odd');
  });
});

describe('asCallError', () => {
  const conflict = () =>
    serverError(112, { codeName: 'WriteConflict', errorLabels: ['TransientTransactionError'] });

  it('keeps a TransientTransactionError of a call with a session as the driver error, for withTransaction', () => {
    const error = conflict();
    expect(asCallError(error, 'could not enqueue job "x"', true)).toBe(error);
  });

  it('reports other errors of a call with a session, and every error of a call without, as asMonqueError does', () => {
    const duplicate = serverError(11000, { codeName: 'DuplicateKey' });
    const inSession = asCallError(duplicate, 'could not enqueue job "x"', true);
    expect(inSession).toBeInstanceOf(DatabaseError);
    expect(inSession).toMatchObject({ code: 11000, cause: duplicate });
    const withoutSession = asCallError(conflict(), 'could not enqueue job "x"', false);
    expect(withoutSession).toBeInstanceOf(ConnectionError);
    expect(asCallError(undefined, 'could not x', true)).toBeInstanceOf(MonqueError);
  });
});
