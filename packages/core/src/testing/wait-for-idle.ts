import { JobStatus } from '../jobs/job-status.js';
import type { MonqueLike } from './monque-like.js';
import { WaitTimeoutError } from './wait-timeout-error.js';
import { DEFAULT_WAIT_TIMEOUT, type WaitOptions, waitUntil } from './wait-until.js';

/**
 * Waits until a Monque instance has nothing left to do right now: no job of its registered
 * workers is due (`pending` with `nextRunAt` in the past) or `processing` in the collection, and
 * it runs no job (`inFlightCount` is 0). Jobs due later (future retries, the next cron run) do not
 * count. A `processing` job left by a crashed instance counts until it is recovered.
 *
 * @param monque - The Monque instance (or anything {@link MonqueLike}).
 * @param options - `timeout` (default 5000 ms) and `checkInterval` (default 50 ms).
 * @throws WaitTimeoutError with the counts last seen when the timeout elapses; InvalidArgumentError
 * for a bad `timeout` or `checkInterval`; errors of the collection are passed on.
 *
 * @example
 * ```ts
 * await monque.enqueue('resize', { id: 1 });
 * await monque.enqueue('resize', { id: 2 });
 * await waitForIdle(monque);
 * ```
 */
export async function waitForIdle(monque: MonqueLike, options: WaitOptions = {}): Promise<void> {
  let open = -1;
  let inFlight = -1;
  return await waitUntil(
    monque,
    async () => {
      open = await monque.collection.countDocuments({
        name: { $in: [...monque.workerNames] },
        $or: [
          { status: JobStatus.Pending, nextRunAt: { $lte: new Date() } },
          { status: JobStatus.Processing },
        ],
      });
      // Read after the count: a job is claimed in the collection before it is counted in flight,
      // and leaves the in-flight count only after its result is written.
      inFlight = monque.inFlightCount;
      return open === 0 && inFlight === 0
        ? { state: 'done', value: undefined }
        : { state: 'waiting' };
    },
    () =>
      new WaitTimeoutError(
        `Timed out after ${options.timeout ?? DEFAULT_WAIT_TIMEOUT} ms waiting for the instance ` +
          `to become idle; last seen ${inFlight} job(s) in flight and ${open} due or processing ` +
          `job(s) of workers ${JSON.stringify(monque.workerNames)}.`,
      ),
    options,
  );
}
