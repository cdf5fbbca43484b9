import type { ObjectId } from 'mongodb';
import type { JobDocument } from '../jobs/job.js';
import { JobStatus } from '../jobs/job-status.js';
import { assertJobId } from '../validation/job-id.js';
import type { MonqueLike } from './monque-like.js';
import { WaitTimeoutError } from './wait-timeout-error.js';
import { DEFAULT_WAIT_TIMEOUT, type WaitOptions, waitUntil } from './wait-until.js';

const TERMINAL: ReadonlySet<JobStatus> = new Set([
  JobStatus.Completed,
  JobStatus.Failed,
  JobStatus.Cancelled,
]);

function describeJob(job: JobDocument | null): string {
  if (job === null) return 'the job was not found';
  const reason = job.failReason === null ? '' : ` (failReason: ${job.failReason})`;
  return `last seen status ${job.status}${reason}`;
}

/**
 * Waits until a job reaches `status`, reading it from `monque.collection` at once, on every Monque
 * event and every `checkInterval` ms. Rejects early when the job ends in another final status
 * (waiting for `'completed'` but it `'failed'` or was `'cancelled'`, for example).
 *
 * @param monque - The Monque instance (or anything {@link MonqueLike}).
 * @param id - The job's id, as an ObjectId or 24-character hex string.
 * @param status - The status to wait for.
 * @param options - `timeout` (default 5000 ms) and `checkInterval` (default 50 ms).
 * @returns The job as read when it had the status.
 * @throws WaitTimeoutError naming the job, the awaited status and the last seen status (with its
 * `failReason`) when the timeout elapses or the job ends in another final status.
 * @throws InvalidArgumentError when `id` is not a job id or `timeout`/`checkInterval` is not a
 * positive duration; errors of the collection are passed on.
 *
 * @example
 * ```ts
 * const { job } = await monque.enqueue('send-email', { to: 'ada@example.com' });
 * const done = await waitForJob(monque, job._id, 'completed', { timeout: 2000 });
 * ```
 */
export async function waitForJob(
  monque: MonqueLike,
  id: ObjectId | string,
  status: JobStatus,
  options: WaitOptions = {},
): Promise<JobDocument> {
  const jobId = assertJobId(id);
  let last: JobDocument | null = null;
  const waiting = (): string =>
    `job ${jobId.toHexString()} (${last?.name ?? 'unknown name'}) to reach status ${status}`;
  return await waitUntil<JobDocument>(
    monque,
    async () => {
      const job = await monque.collection.findOne({ _id: jobId });
      last = job;
      if (job === null) return { state: 'waiting' };
      if (job.status === status) return { state: 'done', value: job };
      if (TERMINAL.has(job.status)) {
        return {
          state: 'impossible',
          error: new WaitTimeoutError(
            `Stopped waiting for ${waiting()}: it ended with ${describeJob(job)}.`,
          ),
        };
      }
      return { state: 'waiting' };
    },
    () =>
      new WaitTimeoutError(
        `Timed out after ${options.timeout ?? DEFAULT_WAIT_TIMEOUT} ms waiting for ${waiting()}; ${describeJob(last)}.`,
      ),
    options,
  );
}
