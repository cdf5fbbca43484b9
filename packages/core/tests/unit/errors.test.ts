import { ObjectId } from 'mongodb';
import { describe, expect, it } from 'vitest';
import {
  ConnectionError,
  DatabaseError,
  InvalidArgumentError,
  InvalidCronError,
  JobCancelledError,
  JobOwnershipLostError,
  JobTimeoutError,
  ListenerError,
  MonqueError,
  PayloadTooLargeError,
  RoundTripTimeoutError,
  ShutdownTimeoutError,
  TakeoverLimitError,
  UnsupportedServerVersionError,
  WorkerRegistrationError,
} from '../../src/errors.js';
import { createJobDocument } from '../../src/testing/create-job-document.js';

describe('MonqueError', () => {
  it('is an Error with its name and an optional cause', () => {
    const cause = new Error('root');
    const error = new MonqueError('boom', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('MonqueError');
    expect(error.message).toBe('boom');
    expect(error.cause).toBe(cause);
    expect(new MonqueError('plain').cause).toBeUndefined();
  });
});

describe('error subclasses', () => {
  const id = new ObjectId('65a1f0c2e4b0a1b2c3d4e5f6');
  const job = createJobDocument({ _id: id, name: 'send-email' });
  const cases: [string, MonqueError, string][] = [
    [
      'InvalidArgumentError',
      new InvalidArgumentError('runAt', 'must be a valid Date', '2026-01-01'),
      'Invalid runAt: must be a valid Date; got string "2026-01-01".',
    ],
    [
      'InvalidCronError',
      new InvalidCronError('* * *', 'expected 5 or 6 fields, got 3'),
      'Invalid cron expression "* * *": expected 5 or 6 fields, got 3. Expected 5 fields ' +
        '(minute hour day-of-month month day-of-week) or 6 with a leading seconds field, ' +
        "for example '*/5 * * * *' (every 5 minutes).",
    ],
    [
      'ConnectionError',
      new ConnectionError('could not create indexes', { cause: new Error('ECONNREFUSED') }),
      'could not create indexes',
    ],
    [
      'RoundTripTimeoutError',
      new RoundTripTimeoutError('send the heartbeat', 5000),
      'could not send the heartbeat: the database did not answer within 5000 ms ' +
        '(roundTripTimeout)',
    ],
    [
      'DatabaseError',
      new DatabaseError('could not x: Document failed validation (code 121)', {
        cause: new Error('Document failed validation'),
        code: 121,
      }),
      'could not x: Document failed validation (code 121)',
    ],
    [
      'ListenerError',
      new ListenerError('job:complete', new TypeError('x is undefined')),
      'a listener of "job:complete" threw: x is undefined',
    ],
    [
      'UnsupportedServerVersionError',
      new UnsupportedServerVersionError('5.0.26', '6.0'),
      'MongoDB 5.0.26 is not supported: Monque needs MongoDB 6.0 or newer (its unique-key index ' +
        'is a partial index whose filter uses $in).',
    ],
    [
      'TakeoverLimitError',
      new TakeoverLimitError(id, 3, 2),
      'Job 65a1f0c2e4b0a1b2c3d4e5f6 was taken over 3 times (each time the instance running it ' +
        'died or stopped sending heartbeats), more than maxTakeovers (2); it was failed instead ' +
        'of being run again.',
    ],
    [
      'ShutdownTimeoutError',
      new ShutdownTimeoutError([job], 30_000),
      'Shutdown timed out after 30000 ms with 1 job(s) still running: send-email ' +
        '65a1f0c2e4b0a1b2c3d4e5f6. Their handlers were signalled to abort and the jobs were ' +
        'released back to pending, to be run again.',
    ],
    [
      'WorkerRegistrationError',
      new WorkerRegistrationError('send-email', 'duplicate'),
      'A worker for job "send-email" is already registered; pass { replace: true } to replace it.',
    ],
    [
      'WorkerRegistrationError',
      new WorkerRegistrationError('send-email', 'invalid-handler', 'sendEmail'),
      'The handler for job "send-email" must be a function; got string "sendEmail".',
    ],
    [
      'JobOwnershipLostError',
      new JobOwnershipLostError(id, 'worker-a'),
      'Job 65a1f0c2e4b0a1b2c3d4e5f6 is no longer owned by instance "worker-a": it was taken over ' +
        'by another instance or its claim changed (for example after missed heartbeats), so ' +
        'its result was not written.',
    ],
    [
      'JobOwnershipLostError',
      new JobOwnershipLostError(id, 'worker-a', 'its heartbeats could not be confirmed'),
      'Job 65a1f0c2e4b0a1b2c3d4e5f6 is no longer owned by instance "worker-a": its heartbeats ' +
        'could not be confirmed',
    ],
    [
      'JobTimeoutError',
      new JobTimeoutError(id, 30_000),
      'Job 65a1f0c2e4b0a1b2c3d4e5f6 timed out: its handler ran longer than its time limit of ' +
        '30000 ms.',
    ],
    [
      'JobCancelledError',
      new JobCancelledError(id),
      'Job 65a1f0c2e4b0a1b2c3d4e5f6 was cancelled while it ran.',
    ],
    [
      'PayloadTooLargeError',
      new PayloadTooLargeError(20_000_000, 16_777_216),
      'Job data is 20000000 bytes once BSON-encoded, more than the limit of 16777216 bytes ' +
        '(option maxPayloadSize); store large content elsewhere and pass a reference.',
    ],
    [
      'PayloadTooLargeError',
      new PayloadTooLargeError(16_777_000, 16_760_832, 'document'),
      'The job document would be 16777000 bytes once BSON-encoded, more than the 16760832 bytes ' +
        "a new job may take (MongoDB's limit of 16 MiB per document, less the room kept free for " +
        'what running the job adds); store large content elsewhere and pass a reference.',
    ],
  ];

  it.each(cases)('%s has its name, message and base class', (name, error, message) => {
    expect(error).toBeInstanceOf(MonqueError);
    expect(error.name).toBe(name);
    expect(error.message).toBe(message);
  });

  it('keep their fields', () => {
    const argument = new InvalidArgumentError('options.pollInterval', 'must be > 0', 0);
    expect(argument.argument).toBe('options.pollInterval');
    const cron = new InvalidCronError('61 * * * *', 'field 1 (minute) value 61 is out of range');
    expect([cron.expression, cron.problem]).toEqual([
      '61 * * * *',
      'field 1 (minute) value 61 is out of range',
    ]);
    const cause = new Error('ECONNREFUSED');
    expect(new ConnectionError('down', { cause }).cause).toBe(cause);
    const shutdown = new ShutdownTimeoutError([job], 10);
    expect([shutdown.incompleteJobs, shutdown.timeout]).toEqual([[job], 10]);
    const registration = new WorkerRegistrationError('a', 'invalid-handler', 1);
    expect([registration.jobName, registration.problem]).toEqual(['a', 'invalid-handler']);
    expect(new JobOwnershipLostError(id, 'x').jobId).toBe('65a1f0c2e4b0a1b2c3d4e5f6');
    expect(new JobOwnershipLostError('65a1f0c2e4b0a1b2c3d4e5f6', 'x').jobId).toBe(
      '65a1f0c2e4b0a1b2c3d4e5f6',
    );
    const timedOut = new JobTimeoutError('65a1f0c2e4b0a1b2c3d4e5f6', 100);
    expect([timedOut.jobId, timedOut.timeout]).toEqual(['65a1f0c2e4b0a1b2c3d4e5f6', 100]);
    expect(new JobCancelledError('65a1f0c2e4b0a1b2c3d4e5f6').jobId).toBe(
      '65a1f0c2e4b0a1b2c3d4e5f6',
    );
    const payload = new PayloadTooLargeError(2048, 1024);
    expect([payload.size, payload.limit, payload.measured]).toEqual([2048, 1024, 'data']);
    expect(new PayloadTooLargeError(2048, 1024, 'document').measured).toBe('document');
    const timeout = new RoundTripTimeoutError('ping', 5000);
    expect(timeout).toBeInstanceOf(ConnectionError);
    expect([timeout.operation, timeout.timeout]).toEqual(['ping', 5000]);
    const database = new DatabaseError('x', { cause, code: 86, codeName: 'IndexKeySpecsConflict' });
    expect([database.cause, database.code, database.codeName]).toEqual([
      cause,
      86,
      'IndexKeySpecsConflict',
    ]);
    const listener = new ListenerError('job:start', cause);
    expect([listener.event, listener.cause]).toEqual(['job:start', cause]);
    expect(new ListenerError('job:start', 'oops').message).toBe(
      'a listener of "job:start" threw: a non-Error value: string "oops"',
    );
    const version = new UnsupportedServerVersionError('4.4.1', '6.0');
    expect([version.foundVersion, version.requiredVersion]).toEqual(['4.4.1', '6.0']);
    const takeover = new TakeoverLimitError('65a1f0c2e4b0a1b2c3d4e5f6', 2, 1);
    expect([takeover.jobId, takeover.takeovers, takeover.limit]).toEqual([
      '65a1f0c2e4b0a1b2c3d4e5f6',
      2,
      1,
    ]);
  });

  it('InvalidArgumentError passes its cause on', () => {
    const cause = new RangeError('bad zone');
    expect(new InvalidArgumentError('timezone', 'must be valid', 'x', { cause }).cause).toBe(cause);
  });
});
