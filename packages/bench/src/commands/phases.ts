/**
 * What a database command was for:
 * - `enqueue`: adding a job;
 * - `claim`: claiming (locking) jobs — one command per job or, batched, a few per batch;
 *   `emptyPoll`: a claim that found no due job;
 * - `start`: a state write when a job starts (Agenda saves `lastRunAt` before running);
 * - `heartbeat`: keeping claims alive and taking over stale ones;
 * - `completion`: recording a job's outcome;
 * - `lookup`: other queries of the jobs (such as the next future run time);
 * - `changeStream`: opening and reading change streams;
 * - `setup`: indexes and the like; `other`: anything else.
 */
export const PHASES = [
  'enqueue',
  'claim',
  'emptyPoll',
  'start',
  'heartbeat',
  'completion',
  'lookup',
  'changeStream',
  'setup',
  'other',
] as const;

export type Phase = (typeof PHASES)[number];

/** Phases of the work of processing jobs (everything but adding them and setting up). */
export const PROCESSING_PHASES: readonly Phase[] = [
  'claim',
  'emptyPoll',
  'start',
  'heartbeat',
  'completion',
  'lookup',
  'changeStream',
  'other',
];

/** Command counts: in total, by command name and by phase. */
export interface CommandCounts {
  readonly total: number;
  readonly byCommand: Readonly<Record<string, number>>;
  readonly byPhase: Readonly<Record<Phase, number>>;
}

/** Counts with every phase at zero. */
export function emptyPhaseCounts(): Record<Phase, number> {
  return Object.fromEntries(PHASES.map((phase) => [phase, 0])) as Record<Phase, number>;
}

/** `after − before`, for counts taken from one log. */
export function diffCounts(after: CommandCounts, before: CommandCounts): CommandCounts {
  const byCommand: Record<string, number> = {};
  for (const [name, count] of Object.entries(after.byCommand)) {
    const delta = count - (before.byCommand[name] ?? 0);
    if (delta !== 0) {
      byCommand[name] = delta;
    }
  }
  const byPhase = emptyPhaseCounts();
  for (const phase of PHASES) {
    byPhase[phase] = after.byPhase[phase] - before.byPhase[phase];
  }
  return { total: after.total - before.total, byCommand, byPhase };
}

/** The sum of the given phases. */
export function sumPhases(counts: CommandCounts, phases: readonly Phase[]): number {
  return phases.reduce((total, phase) => total + counts.byPhase[phase], 0);
}
