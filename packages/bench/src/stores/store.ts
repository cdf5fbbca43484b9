import type { StoreCounts } from '../children/ipc.js';
import type { StoreConnection } from '../libraries/types.js';
import type { ProfileSummary } from '../report/profile.js';

/** The kinds of store the libraries run on. */
export type StoreKind = 'emulator' | 'mongodb' | 'redis' | 'postgres';

/** A database server of the run, started (and stopped) by the harness or given by the user. */
export interface Store {
  readonly kind: StoreKind;
  /** Short, for tables: product and version. */
  readonly label: string;
  /** What it is and how it runs, for the results. */
  readonly description: string;
  /** How a worker process connects. */
  readonly connection: StoreConnection;
  /**
   * Where the requests of a run are counted: by the server (`counts()`), or by the worker's own
   * clients where the server's counters cannot tell them apart (Redis counts the commands of Lua
   * scripts too); `counts()` still gives the server's CPU time and tells when it is quiet.
   */
  readonly requestsCountedBy: 'server' | 'client';
  /**
   * The requests the server answered so far, by command or statement, and its CPU time, counted
   * on the server side (so counting costs the libraries nothing). The harness's own requests are
   * not included.
   */
  counts(): Promise<StoreCounts>;
  /** A CPU profile of the server process between the two calls, where the harness can take one. */
  readonly profile?: {
    start(): Promise<void>;
    stop(): Promise<ProfileSummary>;
  };
  stop(): Promise<void>;
}

/** A store that could not be started, and why (shown in the results). */
export interface MissingStore {
  readonly kind: StoreKind;
  readonly reason: string;
}

/**
 * The requests of a run: the server's counts between two snapshots, or the worker's own count
 * over the measurement, with the server's CPU time either way.
 */
export function runRequests(
  store: Store,
  before: StoreCounts,
  after: StoreCounts,
  clientRequests: Readonly<Record<string, number>>,
): { total: number; byCommand: Record<string, number>; serverCpuUs: number | null } {
  const server = countsBetween(before, after);
  if (store.requestsCountedBy === 'server') {
    return server;
  }
  const byCommand = { ...clientRequests };
  const total = Object.values(byCommand).reduce((sum, count) => sum + count, 0);
  return { total, byCommand, serverCpuUs: server.serverCpuUs };
}

/** `after − before` of two counts of one store. */
export function countsBetween(
  before: StoreCounts,
  after: StoreCounts,
): { total: number; byCommand: Record<string, number>; serverCpuUs: number | null } {
  const byCommand: Record<string, number> = {};
  let total = 0;
  for (const [name, value] of Object.entries(after.byCommand)) {
    const delta = value - (before.byCommand[name] ?? 0);
    if (delta !== 0) {
      byCommand[name] = delta;
      total += delta;
    }
  }
  const serverCpuUs =
    before.serverCpuUs === null || after.serverCpuUs === null
      ? null
      : after.serverCpuUs - before.serverCpuUs;
  return { total, byCommand, serverCpuUs };
}
