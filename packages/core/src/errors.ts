import type { ObjectId } from 'mongodb';
import type { Job } from './jobs/job.js';
import { describeValue } from './validation/describe-value.js';

/**
 * The message of a cause, for messages that name it: an Error's message followed by the server's
 * `codeName` (or, for a write error, which has none, its `code`) unless the message says it
 * already; for another value, a description of it.
 *
 * @internal
 */
export function describeCause(cause: unknown): string {
  if (!(cause instanceof Error)) {
    return `a non-Error value: ${describeValue(cause)}`;
  }
  const { codeName, code } = cause as { codeName?: unknown; code?: unknown };
  const message = cause.message === '' ? cause.name : cause.message;
  let label = '';
  if (typeof codeName === 'string' && codeName !== '') label = codeName;
  else if (typeof code === 'number') label = `code ${code}`;
  return label === '' || message.includes(label) ? message : `${message} (${label})`;
}

/**
 * Base class of every error Monque throws. Catch it to handle all Monque errors at once; `name`
 * names the concrete class and `cause` carries the underlying error when there is one. (Events
 * also carry errors that are not Monque's: a handler's own in `job:fail`, the driver's in
 * `changestream:error`.)
 *
 * @example
 * ```ts
 * try {
 *   await monque.enqueue('send-email', { to: 'ada@example.com' });
 * } catch (error) {
 *   if (error instanceof MonqueError) console.error(error.name, error.message);
 * }
 * ```
 */
export class MonqueError extends Error {
  override readonly name: string = 'MonqueError';

  /**
   * @param message - What went wrong.
   * @param options - `cause`: the error that led to this one.
   *
   * @example
   * ```ts
   * throw new MonqueError('scheduler is not initialized', { cause: error });
   * ```
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * A caller passed a value Monque cannot accept. Thrown before anything is written. `argument` names
 * the argument or option (such as `'name'` or `'options.pollInterval'`); the message names it too,
 * together with the rule and the value that was given.
 *
 * @example
 * ```ts
 * try {
 *   await monque.enqueue({ $ne: null } as never, {} as never);
 * } catch (error) {
 *   if (error instanceof InvalidArgumentError) console.error(error.argument); // 'name'
 * }
 * ```
 */
export class InvalidArgumentError extends MonqueError {
  override readonly name: string = 'InvalidArgumentError';

  /** The argument or option that was invalid, such as `'uniqueKey'` or `'options.lockTimeout'`. */
  readonly argument: string;

  /**
   * @param argument - The argument or option name, such as `'runAt'` or `'options.pollInterval'`.
   * @param rule - What a valid value looks like, such as `'must be a positive integer'`.
   * @param received - The value that was given; it is described, never echoed in full.
   * @param options - `cause`: the error that revealed the problem, if any.
   *
   * @example
   * ```ts
   * throw new InvalidArgumentError('runAt', 'must be a valid Date', '2026-01-01');
   * // message: "Invalid runAt: must be a valid Date; got string \"2026-01-01\"."
   * ```
   */
  constructor(argument: string, rule: string, received: unknown, options?: ErrorOptions) {
    super(`Invalid ${argument}: ${rule}; got ${describeValue(received)}.`, options);
    this.argument = argument;
  }
}

/**
 * A cron expression could not be parsed. `expression` is the expression as given; `problem`
 * says what is wrong and where (such as `field 1 (minute) value 61 is out of range 0–59`); the
 * message adds the expected format and a valid example.
 *
 * @example
 * ```ts
 * try {
 *   parseCron('61 * * * *');
 * } catch (error) {
 *   if (error instanceof InvalidCronError) console.error(error.problem);
 * }
 * ```
 */
export class InvalidCronError extends MonqueError {
  override readonly name: string = 'InvalidCronError';

  /** The expression that failed to parse, exactly as given. */
  readonly expression: string;

  /** What is wrong and where, such as `field 2 (hour) value 24 is out of range 0–23`. */
  readonly problem: string;

  /**
   * @param expression - The expression as given.
   * @param problem - What is wrong and where.
   * @param options - `cause`: the parser's own error, if any.
   *
   * @example
   * ```ts
   * throw new InvalidCronError('* * *', 'expected 5 fields (or 6 with seconds), got 3');
   * ```
   */
  constructor(expression: string, problem: string, options?: ErrorOptions) {
    super(
      `Invalid cron expression ${JSON.stringify(expression)}: ${problem}. Expected 5 fields ` +
        '(minute hour day-of-month month day-of-week) or 6 with a leading seconds field, ' +
        "for example '*/5 * * * *' (every 5 minutes).",
      options,
    );
    this.expression = expression;
    this.problem = problem;
  }
}

/**
 * Monque could not reach or talk to MongoDB: a network error, no server to select, a server that
 * is not (or no longer) primary, a write conflict, a timeout — an error that is _transient_, so
 * the operation may succeed when tried again (see `classifyError`). The message names the
 * operation and the cause; `cause` holds the driver's error.
 *
 * @example
 * ```ts
 * monque.on('job:error', ({ error }) => {
 *   if (error instanceof ConnectionError) console.error('MongoDB unreachable', error.cause);
 * });
 * ```
 */
export class ConnectionError extends MonqueError {
  override readonly name: string = 'ConnectionError';

  /**
   * @param message - What Monque was trying to do, and what went wrong.
   * @param options - `cause`: the driver's error.
   *
   * @example
   * ```ts
   * throw new ConnectionError('could not create the job indexes: connect ECONNREFUSED', {
   *   cause: driverError,
   * });
   * ```
   */
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
  }
}

/**
 * One database round trip got no answer within the `roundTripTimeout` option: a half-open
 * connection, or a server that went away mid-command. Transient, like the driver's
 * `MongoNetworkTimeoutError`: the operation is given up (not cancelled) and tried again as after
 * any connection problem. `operation` and the message name what Monque was doing.
 *
 * @example
 * ```ts
 * monque.on('job:error', ({ error }) => {
 *   if (error instanceof RoundTripTimeoutError) {
 *     console.warn(`${error.operation}: no answer in ${error.timeout} ms`);
 *   }
 * });
 * ```
 */
export class RoundTripTimeoutError extends ConnectionError {
  override readonly name: string = 'RoundTripTimeoutError';

  /** What Monque was doing, such as `'send the heartbeat'` or `'claim jobs of "send-email"'`. */
  readonly operation: string;

  /** The time limit that elapsed (`roundTripTimeout`), in milliseconds. */
  readonly timeout: number;

  /**
   * @param operation - What Monque was doing, such as `'claim jobs of "send-email"'`.
   * @param timeout - The time limit, in milliseconds.
   *
   * @example
   * ```ts
   * throw new RoundTripTimeoutError('send the heartbeat', 5000);
   * ```
   */
  constructor(operation: string, timeout: number) {
    super(
      `could not ${operation}: the database did not answer within ${timeout} ms (roundTripTimeout)`,
      { cause: undefined },
    );
    this.operation = operation;
    this.timeout = timeout;
  }
}

/**
 * MongoDB refused an operation for a reason that trying again does not fix: a document validator
 * (code 121), an index that conflicts with Monque's (85, 86), a document over 16 MiB (10334,
 * 17419), a bad value, missing rights. `code` and `codeName` are the server's, when it gave them;
 * the message names the operation, the cause's message and the `codeName`.
 *
 * @example
 * ```ts
 * try {
 *   await monque.enqueue('invoice', { orderId: 42 });
 * } catch (error) {
 *   if (error instanceof DatabaseError && error.code === 121) console.error('validator refused it');
 * }
 * ```
 */
export class DatabaseError extends MonqueError {
  override readonly name: string = 'DatabaseError';

  /** The server's error code, such as `121`, when there is one. */
  readonly code: number | undefined;

  /** The server's name for the code, such as `'DocumentValidationFailure'`, when there is one. */
  readonly codeName: string | undefined;

  /**
   * @param message - What Monque was trying to do, and what went wrong.
   * @param options - `cause`: the driver's error; `code` and `codeName` from the server.
   *
   * @example
   * ```ts
   * throw new DatabaseError('could not enqueue job "a": Document failed validation', {
   *   cause: new Error('Document failed validation'),
   *   code: 121,
   *   codeName: 'DocumentValidationFailure',
   * });
   * ```
   */
  constructor(message: string, options: { cause: unknown; code?: number; codeName?: string }) {
    super(message, { cause: options.cause });
    this.code = options.code;
    this.codeName = options.codeName;
  }
}

/**
 * A listener of a Monque event threw (or its promise rejected). It changed nothing: the job's fate
 * and the scheduler's work go on as if the listener had returned. It is reported as `job:error`
 * (unless it was a `job:error` listener that threw, or nobody listens to `job:error`: then as a
 * process warning).
 *
 * @example
 * ```ts
 * monque.on('job:error', ({ error }) => {
 *   if (error instanceof ListenerError) console.error(`bug in a ${error.event} listener`, error.cause);
 * });
 * ```
 */
export class ListenerError extends MonqueError {
  override readonly name: string = 'ListenerError';

  /** The event whose listener threw, such as `'job:complete'`. */
  readonly event: string;

  /**
   * @param event - The event whose listener threw.
   * @param cause - What it threw.
   *
   * @example
   * ```ts
   * throw new ListenerError('job:complete', new TypeError('x is undefined'));
   * ```
   */
  constructor(event: string, cause: unknown) {
    super(`a listener of ${JSON.stringify(event)} threw: ${describeCause(cause)}`, { cause });
    this.event = event;
  }
}

/**
 * `initialize()` found a MongoDB server older than Monque supports. Monque needs MongoDB 6.0 or
 * newer: its unique-key index is a partial index whose filter uses `$in`, which older servers
 * refuse.
 *
 * @example
 * ```ts
 * try {
 *   await monque.initialize();
 * } catch (error) {
 *   if (error instanceof UnsupportedServerVersionError) console.error(error.foundVersion);
 * }
 * ```
 */
export class UnsupportedServerVersionError extends MonqueError {
  override readonly name: string = 'UnsupportedServerVersionError';

  /** The server's version, as `buildInfo` reported it, such as `'5.0.26'`. */
  readonly foundVersion: string;

  /** The oldest version Monque supports, such as `'6.0'`. */
  readonly requiredVersion: string;

  /**
   * @param foundVersion - The server's version.
   * @param requiredVersion - The oldest supported version.
   *
   * @example
   * ```ts
   * throw new UnsupportedServerVersionError('5.0.26', '6.0');
   * ```
   */
  constructor(foundVersion: string, requiredVersion: string) {
    super(
      `MongoDB ${foundVersion} is not supported: Monque needs MongoDB ${requiredVersion} or ` +
        'newer (its unique-key index is a partial index whose filter uses $in).',
    );
    this.foundVersion = foundVersion;
    this.requiredVersion = requiredVersion;
  }
}

/**
 * A job was taken over more often than `maxTakeovers` allows: every time it ran, the instance
 * running it died or stopped sending heartbeats (such as a handler that runs the process out of
 * memory or blocks its event loop). Monque failed the job instead of running it again; it is
 * carried by the `job:fail` event (`willRetry: false`).
 *
 * @example
 * ```ts
 * monque.on('job:fail', ({ job, error }) => {
 *   if (error instanceof TakeoverLimitError) alert(`poison job ${job.name}: ${error.message}`);
 * });
 * ```
 */
export class TakeoverLimitError extends MonqueError {
  override readonly name: string = 'TakeoverLimitError';

  /** The id of the job, as a 24-character hex string. */
  readonly jobId: string;

  /** How many times the job was taken over. */
  readonly takeovers: number;

  /** The limit that was exceeded (`maxTakeovers`). */
  readonly limit: number;

  /**
   * @param jobId - The job's id.
   * @param takeovers - How many times it was taken over.
   * @param limit - `maxTakeovers`.
   *
   * @example
   * ```ts
   * throw new TakeoverLimitError(job._id, 3, 2);
   * ```
   */
  constructor(jobId: ObjectId | string, takeovers: number, limit: number) {
    const id = typeof jobId === 'string' ? jobId : jobId.toHexString();
    super(
      `Job ${id} was taken over ${takeovers} times (each time the instance running it died or ` +
        `stopped sending heartbeats), more than maxTakeovers (${limit}); it was failed instead ` +
        'of being run again.',
    );
    this.jobId = id;
    this.takeovers = takeovers;
    this.limit = limit;
  }
}

/**
 * `stop()` waited `shutdownTimeout` milliseconds and some jobs were still running. `stop()` does
 * not throw it: it aborts those handlers' signals, releases their jobs back to `pending` (fenced
 * writes, `failCount` unchanged, so any instance runs them again), emits this error as
 * `job:error` listing them in `incompleteJobs`, and resolves. A handler's outcome that arrives
 * after the release is not written.
 *
 * @example
 * ```ts
 * monque.on('job:error', ({ error }) => {
 *   if (error instanceof ShutdownTimeoutError) {
 *     console.warn('released unfinished jobs', error.incompleteJobs.map((job) => job._id.toHexString()));
 *   }
 * });
 * await monque.stop(); // resolves; unfinished jobs are pending again
 * ```
 */
export class ShutdownTimeoutError extends MonqueError {
  override readonly name: string = 'ShutdownTimeoutError';

  /** The jobs whose handlers had not finished when the timeout elapsed (released to pending). */
  readonly incompleteJobs: Job[];

  /** How long `stop()` waited, in milliseconds. */
  readonly timeout: number;

  /**
   * @param incompleteJobs - The jobs still running.
   * @param timeout - How long `stop()` waited, in milliseconds.
   *
   * @example
   * ```ts
   * throw new ShutdownTimeoutError([...runningJobs], 30_000);
   * ```
   */
  constructor(incompleteJobs: Job[], timeout: number) {
    const ids = incompleteJobs.map((job) => `${job.name} ${job._id.toHexString()}`).join(', ');
    super(
      `Shutdown timed out after ${timeout} ms with ${incompleteJobs.length} job(s) still running: ` +
        `${ids}. Their handlers were signalled to abort and the jobs were released back to ` +
        'pending, to be run again.',
    );
    this.incompleteJobs = incompleteJobs;
    this.timeout = timeout;
  }
}

/**
 * Why {@link WorkerRegistrationError} was thrown: another worker already handles the job name
 * (`'duplicate'`), or the handler is not a function (`'invalid-handler'`).
 *
 * @example
 * ```ts
 * const reason: WorkerRegistrationProblem = 'duplicate';
 * ```
 */
export type WorkerRegistrationProblem = 'duplicate' | 'invalid-handler';

/**
 * `worker()` was called with a job name that already has a worker (without `replace: true`), or
 * with a handler that is not a function.
 *
 * @example
 * ```ts
 * monque.worker('send-email', sendEmail);
 * try {
 *   monque.worker('send-email', sendEmailV2);
 * } catch (error) {
 *   if (error instanceof WorkerRegistrationError) {
 *     monque.worker('send-email', sendEmailV2, { replace: true });
 *   }
 * }
 * ```
 */
export class WorkerRegistrationError extends MonqueError {
  override readonly name: string = 'WorkerRegistrationError';

  /** The job name the worker was registered for. */
  readonly jobName: string;

  /** What was wrong with the registration. */
  readonly problem: WorkerRegistrationProblem;

  /**
   * @param jobName - The job name of the registration.
   * @param problem - What was wrong.
   * @param handler - The handler that was given (described in the message for `'invalid-handler'`).
   *
   * @example
   * ```ts
   * throw new WorkerRegistrationError('send-email', 'duplicate');
   * ```
   */
  constructor(jobName: string, problem: WorkerRegistrationProblem, handler?: unknown) {
    super(
      problem === 'duplicate'
        ? `A worker for job ${JSON.stringify(jobName)} is already registered; ` +
            'pass { replace: true } to replace it.'
        : `The handler for job ${JSON.stringify(jobName)} must be a function; ` +
            `got ${describeValue(handler)}.`,
    );
    this.jobName = jobName;
    this.problem = problem;
  }
}

/**
 * This instance no longer owns a job it was running: another instance took it over (stale
 * recovery after missed heartbeats) or its claim changed. The handler's outcome was not written,
 * so the job's current owner decides its fate.
 *
 * It is also the `reason` of a handler's `signal` when its instance gave the job up itself: its
 * heartbeats could not be confirmed for `lockTimeout − heartbeatInterval` (errors, or the update
 * did not match the job), so another instance may soon take it over. The signal is aborted
 * before that can happen, so a handler that honours it never runs beside its successor; the job
 * is left as it is (its next owner decides) and the error is reported through `job:error`.
 *
 * @example
 * ```ts
 * monque.on('job:error', ({ error }) => {
 *   if (error instanceof JobOwnershipLostError) console.warn('lost job', error.jobId);
 * });
 * ```
 */
export class JobOwnershipLostError extends MonqueError {
  override readonly name: string = 'JobOwnershipLostError';

  /** The id of the job, as a 24-character hex string. */
  readonly jobId: string;

  /**
   * @param jobId - The job's id.
   * @param instanceId - The `schedulerInstanceId` of this instance, named in the message.
   *
   * @example
   * ```ts
   * throw new JobOwnershipLostError(job._id, 'worker-a');
   * ```
   */
  constructor(jobId: ObjectId | string, instanceId: string, detail?: string) {
    const id = typeof jobId === 'string' ? jobId : jobId.toHexString();
    super(
      detail === undefined
        ? `Job ${id} is no longer owned by instance ${JSON.stringify(instanceId)}: it was taken ` +
            'over by another instance or its claim changed (for example after missed ' +
            'heartbeats), so its result was not written.'
        : `Job ${id} is no longer owned by instance ${JSON.stringify(instanceId)}: ${detail}`,
    );
    this.jobId = id;
  }
}

/**
 * A job ran longer than its time limit: the `timeout` of its `enqueue()`/`schedule()` call, or of
 * its worker. It is the `reason` of the handler's `signal`, aborted when the limit elapsed, and
 * the error of the `job:fail` event of that attempt: the attempt is failed under the normal retry
 * rules (retried with backoff while `failCount` is below `maxRetries`), whether the handler then
 * settles within `abortGracePeriod` or not. A handler that ignores its signal keeps its slot until
 * it settles; what it returns or throws then is discarded.
 *
 * @example
 * ```ts
 * monque.on('job:fail', ({ job, error }) => {
 *   if (error instanceof JobTimeoutError) console.warn(`${job.name} ran over ${error.timeout} ms`);
 * });
 * ```
 */
export class JobTimeoutError extends MonqueError {
  override readonly name: string = 'JobTimeoutError';

  /** The id of the job, as a 24-character hex string. */
  readonly jobId: string;

  /** The time limit that elapsed, in milliseconds. */
  readonly timeout: number;

  /**
   * @param jobId - The job's id.
   * @param timeout - The time limit, in milliseconds.
   *
   * @example
   * ```ts
   * throw new JobTimeoutError(job._id, 30_000);
   * ```
   */
  constructor(jobId: ObjectId | string, timeout: number) {
    const id = typeof jobId === 'string' ? jobId : jobId.toHexString();
    super(`Job ${id} timed out: its handler ran longer than its time limit of ${timeout} ms.`);
    this.jobId = id;
    this.timeout = timeout;
  }
}

/**
 * A job was cancelled while its handler ran (`cancelJob()`, `cancelJobs()` or `unschedule()`,
 * called on any instance). It is the `reason` of the handler's `signal`: the instance running the
 * job aborts it as soon as it learns of the request — through its change stream, or at its next
 * heartbeat while it polls. Once the handler settles (or `abortGracePeriod` has passed), the job
 * is written `cancelled` — a recurring job: pending at its next occurrence — and `job:cancelled`
 * is emitted. A cancelled job is never retried.
 *
 * @example
 * ```ts
 * monque.worker('export', async (job, { signal }) => {
 *   signal.addEventListener('abort', () => {
 *     if (signal.reason instanceof JobCancelledError) console.info('cancelled', job._id.toHexString());
 *   });
 *   await exportRows(job.data, { signal });
 * });
 * ```
 */
export class JobCancelledError extends MonqueError {
  override readonly name: string = 'JobCancelledError';

  /** The id of the job, as a 24-character hex string. */
  readonly jobId: string;

  /**
   * @param jobId - The job's id.
   *
   * @example
   * ```ts
   * throw new JobCancelledError(job._id);
   * ```
   */
  constructor(jobId: ObjectId | string) {
    const id = typeof jobId === 'string' ? jobId : jobId.toHexString();
    super(`Job ${id} was cancelled while it ran.`);
    this.jobId = id;
  }
}

/**
 * What a {@link PayloadTooLargeError} measured: the job's data (`{ data }`, held to
 * `maxPayloadSize`), or the whole new job document (held to what MongoDB stores).
 *
 * @example
 * ```ts
 * const measured: PayloadMeasure = 'document';
 * ```
 */
export type PayloadMeasure = 'data' | 'document';

/**
 * A job is too large to store: its data, once BSON-encoded, is larger than `maxPayloadSize`
 * (`measured: 'data'`), or its data fits but the whole job document would not leave, of MongoDB's
 * 16 MiB per document, the room that running the job adds (`measured: 'document'`). Thrown before
 * anything is written; both sizes are in bytes.
 *
 * @example
 * ```ts
 * try {
 *   await monque.enqueue('import', hugeRows);
 * } catch (error) {
 *   if (error instanceof PayloadTooLargeError) console.error(error.measured, error.size, error.limit);
 * }
 * ```
 */
export class PayloadTooLargeError extends MonqueError {
  override readonly name: string = 'PayloadTooLargeError';

  /**
   * The BSON-encoded size, in bytes: of `{ data }` when `measured` is `'data'`, of the whole job
   * document when it is `'document'`.
   */
  readonly size: number;

  /**
   * The limit, in bytes: `maxPayloadSize` for `'data'`; for `'document'`, what a new job document
   * may take (16 MiB less the room kept free for running the job).
   */
  readonly limit: number;

  /** What was measured: the job's data, or the whole job document. */
  readonly measured: PayloadMeasure;

  /**
   * @param size - The encoded size, in bytes.
   * @param limit - The limit, in bytes.
   * @param measured - What `size` is the size of (default `'data'`).
   *
   * @example
   * ```ts
   * throw new PayloadTooLargeError(20_000_000, 16 * 1024 * 1024);
   * ```
   */
  constructor(size: number, limit: number, measured: PayloadMeasure = 'data') {
    super(
      measured === 'data'
        ? `Job data is ${size} bytes once BSON-encoded, more than the limit of ${limit} bytes ` +
            '(option maxPayloadSize); store large content elsewhere and pass a reference.'
        : `The job document would be ${size} bytes once BSON-encoded, more than the ${limit} ` +
            "bytes a new job may take (MongoDB's limit of 16 MiB per document, less the room kept " +
            'free for what running the job adds); store large content elsewhere and pass a ' +
            'reference.',
    );
    this.size = size;
    this.limit = limit;
    this.measured = measured;
  }
}

/**
 * A handler returned a value Monque cannot store as its job's `result`: not plain BSON data (such
 * as a class instance, a `Map` or a function), or larger than `maxResultSize` once BSON-encoded.
 * The run fails for good — `job:fail` with `willRetry: false` carries this error, and a recurring
 * job goes on at its next occurrence — because running the handler again would repeat its work
 * only to return the same value.
 *
 * @example
 * ```ts
 * monque.on('job:fail', ({ job, error }) => {
 *   if (error instanceof JobResultError) console.error(`${job.name} returned too much`, error.size);
 * });
 * ```
 */
export class JobResultError extends MonqueError {
  override readonly name: string = 'JobResultError';

  /** The id of the job, as a 24-character hex string. */
  readonly jobId: string;

  /** The result's BSON-encoded size in bytes, when it was too large; otherwise `undefined`. */
  readonly size: number | undefined;

  /** The limit (`maxResultSize`), in bytes. */
  readonly limit: number;

  /**
   * @param jobId - The job's id.
   * @param problem - What is wrong with the value, such as `result.rows must not be a BigInt …`.
   * @param limit - `maxResultSize`, in bytes.
   * @param size - The encoded size, when the value was too large.
   * @param options - `cause`: the error that revealed the problem, if any.
   *
   * @example
   * ```ts
   * throw new JobResultError(job._id, 'it is 2097152 bytes once BSON-encoded', 1048576, 2097152);
   * ```
   */
  constructor(
    jobId: ObjectId | string,
    problem: string,
    limit: number,
    size?: number,
    options?: ErrorOptions,
  ) {
    const id = typeof jobId === 'string' ? jobId : jobId.toHexString();
    super(
      `The handler of job ${id} returned a result that cannot be stored: ${problem}. The run ` +
        `failed; return plain data of at most ${limit} bytes (option maxResultSize), such as a ` +
        'reference to where larger output is kept.',
      options,
    );
    this.jobId = id;
    this.size = size;
    this.limit = limit;
  }
}
