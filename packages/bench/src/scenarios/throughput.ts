import type { BenchQueue } from '../libraries/types.js';

/** One timed processing run. */
export interface ThroughputMeasurement {
  /** Jobs that were due when the instance started. */
  readonly jobs: number;
  /** Jobs whose outcome was recorded within the run. */
  readonly processed: number;
  readonly seconds: number;
  readonly jobsPerSecond: number;
  /** Whether the time cap ended the run before every job was processed. */
  readonly capped: boolean;
}

/**
 * Starts `queue` on a queue of `jobs` due jobs and measures until all are processed or
 * `timeCapMs` has passed (from just before `start()`), then stops it. `beforeStop` runs at the end
 * of the measurement, before the stop (for counting commands).
 */
export async function measureThroughput(
  queue: BenchQueue,
  jobs: number,
  timeCapMs: number,
  beforeStop?: () => void,
): Promise<ThroughputMeasurement> {
  let completed = 0;
  let finish: () => void = () => {};
  const allDone = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const startedAt = performance.now();
  await queue.start({
    onComplete: () => {
      completed += 1;
      if (completed >= jobs) {
        finish();
      }
    },
  });
  let timer: NodeJS.Timeout | undefined;
  const capped = await Promise.race([
    allDone.then(() => false),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), timeCapMs);
    }),
  ]);
  clearTimeout(timer);
  const seconds = (performance.now() - startedAt) / 1000;
  const processed = Math.min(completed, jobs);
  beforeStop?.();
  await queue.stop();
  return { jobs, processed, seconds, jobsPerSecond: processed / seconds, capped };
}
