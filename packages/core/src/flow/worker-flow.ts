import { assertIntegerInRange } from '../validation/numbers.js';
import { assertPriority } from '../validation/priority.js';
import type { WorkerFlow } from '../workers/worker-registry.js';
import { readRateLimit } from './rate-limit.js';

/**
 * The largest `groupConcurrency`: each running job of a group holds one numbered slot.
 *
 * @example
 * ```ts
 * monque.worker('export', (job, { signal }) => exportRows(job.data, { signal }), {
 *   groupConcurrency: Math.min(4, MAX_GROUP_CONCURRENCY),
 * });
 * ```
 */
export const MAX_GROUP_CONCURRENCY = 1000;

/**
 * Checks the flow-control options of `worker()` (`priority`, `groupConcurrency`, `rateLimit`).
 *
 * @returns The settings, copied.
 * @throws InvalidArgumentError naming the offending option.
 */
export function readWorkerFlow(options: {
  readonly priority?: unknown;
  readonly groupConcurrency?: unknown;
  readonly rateLimit?: unknown;
}): WorkerFlow {
  const { priority, groupConcurrency, rateLimit } = options;
  const flow: {
    priority?: number;
    groupConcurrency?: number;
    rateLimit?: WorkerFlow['rateLimit'];
  } = {};
  if (priority !== undefined) {
    assertPriority(priority, 'options.priority');
    flow.priority = priority;
  }
  if (groupConcurrency !== undefined) {
    assertIntegerInRange('options.groupConcurrency', groupConcurrency, 1, MAX_GROUP_CONCURRENCY);
    flow.groupConcurrency = groupConcurrency;
  }
  if (rateLimit !== undefined) {
    flow.rateLimit = readRateLimit(rateLimit, 'options.rateLimit');
  }
  return flow;
}
