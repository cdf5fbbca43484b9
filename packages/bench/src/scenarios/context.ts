import type { WorkerHandle } from '../harness/worker-handle.js';
import type { BenchSettings } from '../settings.js';

/** What every scenario gets from the runner. */
export interface ScenarioContext {
  readonly settings: BenchSettings;
  /** One worker process per library that runs, in table order. */
  readonly workers: readonly WorkerHandle[];
  /** A fresh id for a run (names its database, queues or key prefix). */
  nextRunId(): string;
}

/**
 * The order of repetition `repetition`: as given, then reversed, alternately (so no library
 * always runs first or right after the same one).
 */
export function orderFor<T>(items: readonly T[], repetition: number): T[] {
  return repetition % 2 === 0 ? [...items] : [...items].reverse();
}

/** `count` job names: the single name, or numbered ones. */
export function jobNames(count: number, single: string, prefix: string): string[] {
  return count === 1 ? [single] : Array.from({ length: count }, (_, index) => `${prefix}-${index}`);
}
