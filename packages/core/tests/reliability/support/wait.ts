import type { Collection } from 'mongodb';
import type { JobDocument } from '../../../src/jobs/job.js';
import type { JobStatus } from '../../../src/jobs/job-status.js';

/**
 * Re-checks `condition` every `interval` ms (never two at once) until it returns a value other
 * than `undefined`/`false`; rejects after `timeout` ms with `what` and the last observation.
 * For state that lives in the database or another process, where no event reaches this process.
 */
export async function waitForCondition<T>(
  what: string,
  condition: () => Promise<T | undefined | false> | T | undefined | false,
  options: { timeout: number; interval?: number; describe?: () => string },
): Promise<Exclude<T, undefined | false>> {
  const deadline = Date.now() + options.timeout;
  const interval = options.interval ?? 25;
  for (;;) {
    const value = await condition();
    if (value !== undefined && value !== false) return value as Exclude<T, undefined | false>;
    if (Date.now() >= deadline) {
      const last = options.describe === undefined ? '' : `; last seen: ${options.describe()}`;
      throw new Error(`timed out after ${options.timeout} ms waiting for ${what}${last}`);
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

/**
 * Waits until `count` jobs of `collection` have `status` (re-read every `interval` ms), at most
 * `timeout` ms. Does not throw: it resolves with the last count read, for the scenario to report
 * and assert.
 */
export async function countWhenReached(
  collection: Collection<JobDocument>,
  status: JobStatus,
  count: number,
  options: { timeout: number; interval?: number },
): Promise<number> {
  let seen = 0;
  await waitForCondition(
    `${count} ${status} jobs`,
    async () => {
      seen = await collection.countDocuments({ status });
      return seen === count;
    },
    { interval: 50, ...options },
  ).catch(() => undefined);
  return seen;
}

/** A promise with its resolver, for handlers that block until the test lets them go. */
export interface Gate {
  readonly promise: Promise<void>;
  open(): void;
}

export function gate(): Gate {
  let open: () => void = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}
