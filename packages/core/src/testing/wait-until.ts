import { assertPositiveDuration, MAX_TIMER_DELAY } from '../validation/numbers.js';
import type { MonqueLike, WaitEventName } from './monque-like.js';

/**
 * How long the test helpers wait by default, in milliseconds.
 *
 * @example
 * ```ts
 * await waitForIdle(monque, { timeout: DEFAULT_WAIT_TIMEOUT * 2 });
 * ```
 */
export const DEFAULT_WAIT_TIMEOUT = 5000;

/**
 * How often the test helpers re-check by default even without an event, in milliseconds (a job
 * may change in another instance, which emits no event here).
 *
 * @example
 * ```ts
 * await waitForIdle(monque, { checkInterval: DEFAULT_CHECK_INTERVAL / 2 });
 * ```
 */
export const DEFAULT_CHECK_INTERVAL = 50;

/**
 * Options of `waitForJob` and `waitForIdle`.
 *
 * @example
 * ```ts
 * const options: WaitOptions = { timeout: 10_000, checkInterval: 20 };
 * ```
 */
export interface WaitOptions {
  /** How long to wait before rejecting, in milliseconds. Default 5000. */
  timeout?: number;
  /** How often to re-check without an event, in milliseconds. Default 50. */
  checkInterval?: number;
}

/**
 * The result of one check: done with a value, still waiting, or impossible (an error).
 *
 * @example
 * ```ts
 * const result: CheckResult<number> = count === 0 ? { state: 'done', value: 0 } : { state: 'waiting' };
 * ```
 */
export type CheckResult<T> =
  | { readonly state: 'done'; readonly value: T }
  | { readonly state: 'waiting' }
  | { readonly state: 'impossible'; readonly error: Error };

const EVENTS: readonly WaitEventName[] = [
  'job:start',
  'job:complete',
  'job:fail',
  'job:cancelled',
  'job:error',
  'stale:recovered',
];

/**
 * Runs `check` now, on each Monque event and every `checkInterval` ms (never two at once) until it
 * reports done or impossible, or `timeout` ms pass; then removes its listeners and timers.
 *
 * @param monque - The instance whose events trigger a re-check.
 * @param check - Reads the condition.
 * @param timeoutError - Builds the rejection when the timeout elapses.
 * @param options - Timeout and check interval.
 * @returns The value of the check that reported done.
 * @throws InvalidArgumentError when `timeout` or `checkInterval` is not a positive duration.
 *
 * @example
 * ```ts
 * await waitUntil(monque, async () => ({ state: 'done', value: 1 }), () => new Error('late'), {});
 * ```
 */
export function waitUntil<T>(
  monque: MonqueLike,
  check: () => Promise<CheckResult<T>>,
  timeoutError: () => Error,
  options: WaitOptions,
): Promise<T> {
  const timeout = options.timeout ?? DEFAULT_WAIT_TIMEOUT;
  const checkInterval = options.checkInterval ?? DEFAULT_CHECK_INTERVAL;
  assertPositiveDuration('options.timeout', timeout, MAX_TIMER_DELAY);
  assertPositiveDuration('options.checkInterval', checkInterval, MAX_TIMER_DELAY);
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    let running = false;
    let again = false;

    const finish = (outcome: () => void): void => {
      settled = true;
      clearTimeout(timer);
      clearInterval(ticker);
      for (const event of EVENTS) monque.off(event, trigger);
      outcome();
    };

    function trigger(): void {
      if (running) {
        again = true;
        return;
      }
      running = true;
      check().then(
        (result) => {
          running = false;
          if (settled) return;
          if (result.state === 'done') finish(() => resolve(result.value));
          else if (result.state === 'impossible') finish(() => reject(result.error));
          else if (again) {
            again = false;
            trigger();
          }
        },
        (error: unknown) => {
          running = false;
          if (!settled) finish(() => reject(error));
        },
      );
    }

    const timer = setTimeout(() => finish(() => reject(timeoutError())), timeout);
    const ticker = setInterval(trigger, checkInterval);
    for (const event of EVENTS) monque.on(event, trigger);
    trigger();
  });
}
