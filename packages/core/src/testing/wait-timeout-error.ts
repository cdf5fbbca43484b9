import { MonqueError } from '../errors.js';

/**
 * A test helper (`waitForJob`, `waitForIdle`) gave up: the awaited condition did not hold within
 * the timeout, or can no longer hold. The message says what was awaited and what was last seen.
 *
 * @example
 * ```ts
 * await expect(waitForJob(monque, id, 'completed', { timeout: 1000 })).rejects.toThrow(
 *   WaitTimeoutError,
 * );
 * ```
 */
export class WaitTimeoutError extends MonqueError {
  override readonly name: string = 'WaitTimeoutError';
}
