import type { BenchSettings } from '../settings.js';

/** What every scenario gets from the runner. */
export interface ScenarioContext {
  /** The server both libraries use. */
  readonly uri: string;
  readonly settings: BenchSettings;
}
