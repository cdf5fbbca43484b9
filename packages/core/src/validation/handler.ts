import { WorkerRegistrationError } from '../errors.js';

/**
 * Asserts that a worker's handler is a function.
 *
 * @param jobName - The job name the worker is registered for, named in the error.
 * @param handler - The handler as given by the caller.
 * @throws WorkerRegistrationError with `problem: 'invalid-handler'`.
 *
 * @example
 * ```ts
 * assertHandler('send-email', async () => {}); // passes
 * assertHandler('send-email', 'sendEmail'); // throws WorkerRegistrationError
 * ```
 */
export function assertHandler(
  jobName: string,
  handler: unknown,
): asserts handler is (...args: never[]) => unknown {
  if (typeof handler !== 'function') {
    throw new WorkerRegistrationError(jobName, 'invalid-handler', handler);
  }
}
