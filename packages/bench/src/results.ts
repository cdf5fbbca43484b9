import type { LibraryName } from './libraries/types.js';
import type { LoadRecord, MachineInfo, PackageVersions } from './machine.js';
import type { CancelResult } from './scenarios/cancel.js';
import type { EnqueueResult } from './scenarios/enqueue.js';
import type { IdleResult } from './scenarios/idle.js';
import type { LatencyResult } from './scenarios/latency.js';
import type { ManagementResult } from './scenarios/management.js';
import type { ProcessingResult } from './scenarios/processing.js';
import type { BenchSettings } from './settings.js';
import type { MissingStore, StoreKind } from './stores/store.js';

/** The results of every scenario that ran. */
export interface ScenarioResults {
  enqueue?: EnqueueResult;
  processing?: ProcessingResult;
  latency?: LatencyResult;
  idle?: IdleResult;
  cancel?: CancelResult;
  management?: ManagementResult;
}

/** A target, checked against the measurements. */
export interface TargetResult {
  readonly id: string;
  readonly description: string;
  readonly threshold: string;
  readonly measured: string;
  /** `null` when this run could not tell (scenario missing or too short). */
  readonly met: boolean | null;
  /** How it was computed, by how much it was missed, and what limits it. */
  readonly detail: string;
}

/** A library that ran, and on which store. */
export interface LibraryRun {
  readonly library: LibraryName;
  readonly store: StoreKind;
  /** The store's label (product and version). */
  readonly storeLabel: string;
}

/** What results/latest.json holds. */
export interface BenchResults {
  readonly formatVersion: 2;
  readonly mode: BenchSettings['mode'];
  readonly peers: boolean;
  readonly startedAt: string;
  readonly durationSeconds: number;
  /** The commit the harness ran from (`-dirty` with uncommitted changes). */
  readonly commit: string;
  readonly note: string | null;
  readonly machine: MachineInfo;
  readonly load: LoadRecord;
  readonly versions: PackageVersions;
  readonly stores: readonly { readonly kind: StoreKind; readonly description: string }[];
  /** Stores that could not be started, and why (their libraries did not run). */
  readonly missingStores: readonly MissingStore[];
  readonly libraries: readonly LibraryRun[];
  readonly settings: BenchSettings;
  readonly scenarios: ScenarioResults;
  readonly failures: readonly { readonly scenario: string; readonly message: string }[];
  /** Warnings and unhandled errors of the harness process itself. */
  readonly harnessWarnings: readonly string[];
  readonly targets: readonly TargetResult[];
}
