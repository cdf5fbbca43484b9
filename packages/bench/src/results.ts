import type { MachineInfo, PackageVersions } from './machine.js';
import type { CostResult } from './scenarios/cost.js';
import type { EnqueueResult } from './scenarios/enqueue.js';
import type { LatencyResult } from './scenarios/latency.js';
import type { MemoryResult } from './scenarios/memory.js';
import type { ProcessingResult } from './scenarios/processing.js';
import type { ScalingResult } from './scenarios/scaling.js';
import type { BenchSettings } from './settings.js';

/** The results of every scenario that ran. */
export interface ScenarioResults {
  enqueue?: EnqueueResult;
  processing?: ProcessingResult;
  latency?: LatencyResult;
  scaling?: ScalingResult;
  cost?: CostResult;
  memory?: MemoryResult;
}

/** A target of the benchmarks issue, checked against the measurements. */
export interface TargetResult {
  readonly id: string;
  readonly description: string;
  readonly threshold: string;
  readonly measured: string;
  /** `null` when this run could not tell (scenario missing or too short). */
  readonly met: boolean | null;
  readonly detail: string;
}

/** Top self-time frames of a CPU profile. */
export interface ProfileSummary {
  readonly process: string;
  readonly totalMs: number;
  readonly top: readonly {
    readonly selfMs: number;
    readonly percent: number;
    readonly frame: string;
  }[];
}

/** What results/latest.json holds. */
export interface BenchResults {
  readonly formatVersion: 1;
  readonly mode: BenchSettings['mode'];
  readonly startedAt: string;
  readonly durationSeconds: number;
  readonly note: string | null;
  readonly machine: MachineInfo;
  readonly versions: PackageVersions;
  readonly substrate: {
    readonly kind: 'emulator' | 'mongodb';
    readonly description: string;
    readonly serverVersion: string;
  };
  readonly settings: BenchSettings;
  readonly scenarios: ScenarioResults;
  readonly failures: readonly { readonly scenario: string; readonly message: string }[];
  /** Unhandled rejections and the like, which did not stop the run. */
  readonly warnings: readonly string[];
  readonly targets: readonly TargetResult[];
  readonly profiles: readonly ProfileSummary[];
}
