import { createHash } from 'node:crypto';
import { logNormal, seededRandom } from './stats.js';

/** What a job's handler does. */
export type HandlerKind = 'noop' | 'async-5ms' | 'async-50ms' | 'cpu';

/** How each handler kind is described in the results. */
export const HANDLER_DESCRIPTIONS: Readonly<Record<HandlerKind, string>> = {
  noop: 'no-op (returns at once)',
  'async-5ms': 'async wait, log-normal, mean 5 ms (σ 0.6), seeded by job',
  'async-50ms': 'async wait, log-normal, mean 50 ms (σ 0.6), seeded by job',
  cpu: 'CPU-bound: SHA-256 of 1 MiB (fixed work)',
};

const ASYNC_MEAN_MS: Readonly<Partial<Record<HandlerKind, number>>> = {
  'async-5ms': 5,
  'async-50ms': 50,
};

/** Shape of the log-normal handler durations (standard deviation of the logarithm). */
const SIGMA = 0.6;

/**
 * The wait of job `seq` for an async handler kind, in whole milliseconds (≥ 1; timers have
 * millisecond resolution), the same for every library; 0 for the other kinds.
 */
export function handlerDelayMs(kind: HandlerKind, seq: number): number {
  const mean = ASYNC_MEAN_MS[kind];
  if (mean === undefined) {
    return 0;
  }
  const random = seededRandom(0x9e3779b1 ^ Math.imul(seq + 1, 0x85ebca6b));
  return Math.max(1, Math.round(logNormal(mean, SIGMA, random(), random())));
}

/** The mean nominal wait of jobs `0 … jobs − 1` (ms): what the handlers are asked to take. */
export function nominalMeanMs(kind: HandlerKind, jobs: number): number {
  if (ASYNC_MEAN_MS[kind] === undefined || jobs === 0) {
    return 0;
  }
  let total = 0;
  for (let seq = 0; seq < jobs; seq += 1) {
    total += handlerDelayMs(kind, seq);
  }
  return total / jobs;
}

const CPU_INPUT = Buffer.alloc(1024 * 1024, 7);

/** The fixed work of the CPU-bound handler. */
export function cpuWork(): string {
  return createHash('sha256').update(CPU_INPUT).digest('hex');
}

/** Runs the handler of `kind` for job `seq`. */
export function runHandler(kind: HandlerKind, seq: number): Promise<void> | undefined {
  switch (kind) {
    case 'noop':
      return undefined;
    case 'cpu':
      cpuWork();
      return undefined;
    default: {
      const delay = handlerDelayMs(kind, seq);
      return new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
