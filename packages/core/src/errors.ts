import type { ObjectId } from 'mongodb';
import type { Job } from './jobs/job.js';
import { describeValue } from './validation/describe-value.js';

/**
 * Base class of every error Monque throws. Catch it to handle all Monque errors at once; `name`
 * names the concrete class and `cause` carries the underlying error when there is one.
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
 * Monque could not reach or talk to MongoDB. `cause` holds the driver's error.
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
   * @param message - What Monque was trying to do.
   * @param options - `cause`: the driver's error.
   *
   * @example
   * ```ts
   * throw new ConnectionError('could not create the job indexes', { cause: driverError });
   * ```
   */
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
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
  constructor(jobId: ObjectId | string, instanceId: string) {
    const id = typeof jobId === 'string' ? jobId : jobId.toHexString();
    super(
      `Job ${id} is no longer owned by instance ${JSON.stringify(instanceId)}: it was taken over ` +
        'by another instance or its claim changed (for example after missed heartbeats), so ' +
        'its result was not written.',
    );
    this.jobId = id;
  }
}

/**
 * A job's data is larger, once BSON-encoded, than `maxPayloadSize`. Thrown before anything is
 * written; both sizes are in bytes.
 *
 * @example
 * ```ts
 * try {
 *   await monque.enqueue('import', hugeRows);
 * } catch (error) {
 *   if (error instanceof PayloadTooLargeError) console.error(error.size, error.limit);
 * }
 * ```
 */
export class PayloadTooLargeError extends MonqueError {
  override readonly name: string = 'PayloadTooLargeError';

  /** The BSON-encoded size of `{ data }`, in bytes. */
  readonly size: number;

  /** The limit (`maxPayloadSize`), in bytes. */
  readonly limit: number;

  /**
   * @param size - The encoded size, in bytes.
   * @param limit - The limit, in bytes.
   *
   * @example
   * ```ts
   * throw new PayloadTooLargeError(20_000_000, 16 * 1024 * 1024);
   * ```
   */
  constructor(size: number, limit: number) {
    super(
      `Job data is ${size} bytes once BSON-encoded, more than the limit of ${limit} bytes ` +
        '(option maxPayloadSize); store large content elsewhere and pass a reference.',
    );
    this.size = size;
    this.limit = limit;
  }
}
