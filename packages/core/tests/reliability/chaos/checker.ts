import {
  describeOverlap,
  type Execution,
  executionsOf,
  findOverlaps,
  type LogRecord,
} from '../support/execution-log.js';

/** A job as the database holds it once the run is over (every worker stopped). */
export interface FinalJob {
  readonly id: string;
  readonly name: string;
  readonly status: string;
  readonly recurring: boolean;
  readonly failReason: string | null;
}

/** Everything a chaos run leaves behind, for the checker. */
export interface ChaosEvidence {
  /** The records of every worker process (fixtures/logged-worker.mjs). */
  readonly workers: readonly LogRecord[];
  /**
   * The records of the nemesis and of the harness: `spawn`, `kill`, `freeze`, `thaw`,
   * `fail-point-on`/`-off`, `outage-start`/`-end`, `stop-sent`, `stop-timeout`, `exit`,
   * `quiescent`, `database-exit`, `nemesis-error`.
   */
  readonly nemesis: readonly LogRecord[];
  /** The producer's records: `enqueued` (with the job's id and kind), `enqueue-error`, `fatal`. */
  readonly producer: readonly LogRecord[];
  readonly jobs: readonly FinalJob[];
}

/**
 * Why the first owner of a run that completed twice lost it: the nemesis killed or froze it, or
 * cut it off from the database; or its lease lapsed and it gave the job up itself (its handler's
 * signal aborted with `JobOwnershipLostError`; a handler that ignores the signal then returns).
 */
export type SecondRunCause = 'killed' | 'frozen' | 'cut off' | 'lease lapsed';

/** What the checker found. Each list holds one readable line per finding. */
export interface ChaosVerdict {
  readonly counts: {
    readonly enqueued: Readonly<Record<string, number>>;
    readonly enqueueErrors: number;
    readonly jobs: number;
    readonly processes: number;
    readonly executions: number;
    readonly completions: number;
    readonly kills: number;
    readonly freezes: number;
    readonly failPoints: number;
    readonly failPointsFired: number;
    readonly outages: number;
    /** Aborted handler signals, by the reason's name. */
    readonly aborts: Readonly<Record<string, number>>;
    /** `job:error` events, by the error's name. */
    readonly errors: Readonly<Record<string, number>>;
    /** Final statuses of the jobs. */
    readonly statuses: Readonly<Record<string, number>>;
    /** Why the failed jobs failed (their `failReason`, job ids left out). */
    readonly failReasons: Readonly<Record<string, number>>;
  };
  /** Jobs that did not reach a terminal state, or a recurring job that stopped running. */
  readonly lost: readonly string[];
  /** Jobs left `processing` with every worker stopped. */
  readonly stuck: readonly string[];
  /** Processes that ended in a way the nemesis or the harness did not cause, and fatal errors. */
  readonly crashes: readonly string[];
  /** Runs completed twice whose first owner lost them for a cause: counts by cause. */
  readonly completedTwice: Readonly<Record<SecondRunCause, number>>;
  /** Runs completed twice with no such cause. */
  readonly unexplainedCompletions: readonly string[];
  /** Overlapping executions of owners both running throughout, whose handlers honour the signal. */
  readonly overlaps: readonly string[];
  /** Overlaps not counted: an owner was frozen or killed, or a handler ignores its signal. */
  readonly excusedOverlaps: { readonly interrupted: number; readonly ignoresSignal: number };
  /** Jobs failed in place of an outcome whose write met a refused connection (not retried). */
  readonly outcomesGivenUp: readonly string[];
  /** Steps of the nemesis or harness that failed. */
  readonly harnessErrors: readonly string[];
}

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

/**
 * The start of the failure that replaced an outcome whose write was refused for good, when the
 * refusal was a refused connection: a transient error, whose write must have been retried.
 */
const OUTCOME_GIVEN_UP_ON_REFUSED_CONNECTION =
  /^could not record the outcome of job [0-9a-f]{24} \([a-z]+\): connect ECONNREFUSED /;

/** An interval of the monotonic clock (µs), `to` may be `Infinity`. */
interface Interval {
  readonly from: number;
  readonly to: number;
}

const intersects = (a: Interval, from: number, to: number): boolean => a.from <= to && from <= a.to;

function tally(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

/** The records of `ev`, by the pid they target. */
function byTarget(records: readonly LogRecord[], ev: string): Map<number, LogRecord[]> {
  const map = new Map<number, LogRecord[]>();
  for (const record of records.filter((candidate) => candidate.ev === ev)) {
    const pid = Number(record.targetPid);
    map.set(pid, [...(map.get(pid) ?? []), record]);
  }
  return map;
}

/** Pairs `on`/`off` records in order into intervals (an `on` never closed lasts forever). */
function intervals(records: readonly LogRecord[], on: string, off: string): LogRecord[][] {
  const pairs: LogRecord[][] = [];
  let open: LogRecord | undefined;
  for (const record of records) {
    if (record.ev === on) open = record;
    else if (record.ev === off && open !== undefined) {
      pairs.push([open, record]);
      open = undefined;
    }
  }
  if (open !== undefined) pairs.push([open]);
  return pairs;
}

const toInterval = ([from, to]: LogRecord[]): Interval => ({
  from: from?.t ?? 0,
  to: to?.t ?? Infinity,
});

/** When each process was killed, frozen, cut off from the database, and exited. */
class Timeline {
  readonly #kills: Map<number, LogRecord[]>;
  readonly #exits: Map<number, LogRecord[]>;
  readonly #frozen = new Map<number, Interval[]>();
  readonly #outages: Interval[];
  readonly #writeFaults = new Map<string, Interval[]>();

  constructor(nemesis: readonly LogRecord[]) {
    this.#kills = byTarget(nemesis, 'kill');
    this.#exits = byTarget(nemesis, 'exit');
    for (const pid of byTarget(nemesis, 'freeze').keys()) {
      const own = nemesis.filter(
        ({ ev, targetPid }) => (ev === 'freeze' || ev === 'thaw') && targetPid === pid,
      );
      this.#frozen.set(pid, intervals(own, 'freeze', 'thaw').map(toInterval));
    }
    this.#outages = intervals(nemesis, 'outage-start', 'outage-end').map(toInterval);
    for (const pair of intervals(nemesis, 'fail-point-on', 'fail-point-off')) {
      const [on] = pair;
      const commands: unknown[] = Array.isArray(on?.commands) ? on.commands : [];
      if (on === undefined || !commands.includes('update')) continue;
      const target = String(on.target);
      this.#writeFaults.set(target, [...(this.#writeFaults.get(target) ?? []), toInterval(pair)]);
    }
  }

  /** The exit of process `pid`, if it exited. */
  exitOf(pid: number): LogRecord | undefined {
    return this.#exits.get(pid)?.[0];
  }

  /** Whether `pid` was killed or frozen at some time in [from, to]. */
  interrupted(pid: number, from: number, to: number): 'killed' | 'frozen' | undefined {
    if ((this.#kills.get(pid) ?? []).some(({ t }) => t >= from && t <= to)) return 'killed';
    if ((this.#frozen.get(pid) ?? []).some((interval) => intersects(interval, from, to))) {
      return 'frozen';
    }
    return undefined;
  }

  /** Whether `proc`'s writes could not reach the database at some time in [from, to]. */
  cutOff(proc: string, from: number, to: number): boolean {
    return (
      this.#outages.some((interval) => intersects(interval, from, to)) ||
      (this.#writeFaults.get(proc) ?? []).some((interval) => intersects(interval, from, to))
    );
  }
}

/**
 * Judges a chaos run from its logs and the final state of its jobs. The conditions are about
 * order and causality on the machine's monotonic clock, never about how long something took:
 *
 * - **lost**: a job the producer was told about that is missing, or a one-off job that is not
 *   completed, failed or cancelled (or completed without a handler that returned); a recurring
 *   job that is not pending or did not start again after the run became quiescent;
 * - **stuck**: a job still `processing` once every worker stopped;
 * - **crashes**: a worker process that exited other than by the nemesis's SIGKILL or, after the
 *   harness asked it to stop, with code 0 by itself; any `fatal` record (unhandled rejection,
 *   uncaught exception, a producer that gave up); a database process that did not exit cleanly;
 * - **completed twice**: two executions of one run (a one-off job, or one occurrence of a
 *   recurring job) whose handlers both returned are allowed only when the first owner did not
 *   announce the completion (`job:complete`) and, between the first execution's start and the
 *   second's, was killed, frozen, or cut off from the database (an outage, or a fail point on its
 *   writes: then its outcome cannot land before its lease lapses), or gave the job up itself when
 *   its lease lapsed (the handler's signal aborted with `JobOwnershipLostError`);
 * - **overlaps**: two executions of one job whose intervals intersect count unless a handler
 *   ignores its signal, or an owner was frozen or killed between the earlier execution's start
 *   and the overlap's end (a frozen owner can only abort its handler once it runs again);
 * - **outcomes given up**: a job whose `failReason` says its outcome could not be recorded because
 *   the connection was refused — a database outage, during which an outcome write is retried
 *   while its job stays claimed, never replaced by a failure.
 */
export function checkChaos(evidence: ChaosEvidence): ChaosVerdict {
  const { workers, nemesis, producer, jobs } = evidence;
  const timeline = new Timeline(nemesis);
  const executions = executionsOf(workers);
  const enqueued = producer.filter(({ ev }) => ev === 'enqueued');
  const count = (records: readonly LogRecord[], ev: string): number =>
    records.filter((record) => record.ev === ev).length;
  return {
    counts: {
      enqueued: tally(enqueued.map(({ kind }) => String(kind))),
      enqueueErrors: count(producer, 'enqueue-error'),
      jobs: jobs.length,
      processes: count(nemesis, 'spawn'),
      executions: executions.length,
      completions: executions.filter(({ outcome }) => outcome === 'ok').length,
      kills: count(nemesis, 'kill'),
      freezes: count(nemesis, 'freeze'),
      failPoints: count(nemesis, 'fail-point-on'),
      failPointsFired: nemesis
        .filter(({ ev }) => ev === 'fail-point-off')
        .reduce((sum, { fired }) => sum + (typeof fired === 'number' ? fired : 0), 0),
      outages: count(nemesis, 'outage-start'),
      aborts: tally(
        workers.filter(({ ev }) => ev === 'signal').map(({ reason }) => String(reason)),
      ),
      errors: tally(workers.filter(({ ev }) => ev === 'error').map(({ error }) => String(error))),
      statuses: tally(jobs.map(({ status }) => status)),
      failReasons: tally(
        jobs
          .filter(({ status }) => status === 'failed')
          .map(({ failReason }) =>
            String(failReason)
              .replace(/[0-9a-f]{24}/g, '<id>')
              .slice(0, 120),
          ),
      ),
    },
    ...checkJobs(jobs, enqueued, executions, nemesis),
    crashes: checkProcesses(evidence, timeline),
    ...checkCompletions(jobs, workers, executions, timeline),
    ...checkOverlaps(executions, timeline),
    outcomesGivenUp: jobs
      .filter(({ failReason }) => OUTCOME_GIVEN_UP_ON_REFUSED_CONNECTION.test(String(failReason)))
      .map(({ id, status, failReason }) => `job ${id} is ${status}: ${String(failReason)}`),
    harnessErrors: nemesis
      .filter(({ ev }) => ev === 'nemesis-error' || ev === 'harness-error')
      .map(({ message }) => String(message)),
  };
}

/** Processes that ended in a way nobody caused, and fatal records. */
function checkProcesses(
  { workers, nemesis, producer }: ChaosEvidence,
  timeline: Timeline,
): string[] {
  const crashes: string[] = [];
  for (const spawn of nemesis.filter(({ ev }) => ev === 'spawn')) {
    const pid = Number(spawn.targetPid);
    const exit = timeline.exitOf(pid);
    const name = `${String(spawn.target)} (pid ${pid})`;
    if (exit === undefined) {
      crashes.push(`${name} never exited`);
      continue;
    }
    const before = (ev: string): boolean =>
      nemesis.some((record) => record.ev === ev && record.targetPid === pid && record.t <= exit.t);
    if (before('stop-timeout')) {
      crashes.push(`${name} did not exit after it was asked to stop; it was killed`);
    } else if (
      !(exit.signal === 'SIGKILL' && before('kill')) &&
      !(exit.code === 0 && before('stop-sent'))
    ) {
      crashes.push(
        `${name} exited by itself (code ${String(exit.code)}, signal ${String(exit.signal)})`,
      );
    }
  }
  for (const record of [...workers, ...producer].filter(({ ev }) => ev === 'fatal')) {
    crashes.push(
      `${record.proc}: fatal ${String(record.kind)} ${String(record.error ?? '')} ` +
        String(record.message ?? ''),
    );
  }
  for (const record of nemesis.filter(({ ev }) => ev === 'database-exit')) {
    if (record.code !== 0) {
      crashes.push(
        `the database process exited with code ${String(record.code)}, signal ${String(record.signal)}`,
      );
    }
  }
  return crashes;
}

/** Lost and stuck jobs. */
function checkJobs(
  jobs: readonly FinalJob[],
  enqueued: readonly LogRecord[],
  executions: readonly Execution[],
  nemesis: readonly LogRecord[],
): { lost: string[]; stuck: string[] } {
  const stored = new Set(jobs.map(({ id }) => id));
  const quiescent = nemesis.find(({ ev }) => ev === 'quiescent')?.t ?? Infinity;
  const lost: string[] = [];
  const stuck: string[] = [];
  for (const id of new Set(enqueued.map(({ job }) => String(job)))) {
    if (!stored.has(id)) lost.push(`job ${id} was enqueued and is not in the database`);
  }
  for (const job of jobs) {
    if (job.status === 'processing') {
      stuck.push(`job ${job.id} (${job.name}) is still processing`);
    } else if (job.recurring) {
      if (job.status !== 'pending') lost.push(`recurring job ${job.id} is ${job.status}`);
      else if (!executions.some(({ job: id, start }) => id === job.id && start > quiescent)) {
        lost.push(`recurring job ${job.id} did not run after the chaos`);
      }
    } else if (!TERMINAL.has(job.status)) {
      lost.push(`job ${job.id} (${job.name}) is ${job.status}`);
    } else if (
      job.status === 'completed' &&
      !executions.some(({ job: id, outcome }) => id === job.id && outcome === 'ok')
    ) {
      lost.push(`job ${job.id} is completed but no handler of it returned`);
    }
  }
  return { lost, stuck };
}

/** Runs whose handlers returned twice, by cause; those without one. */
function checkCompletions(
  jobs: readonly FinalJob[],
  workers: readonly LogRecord[],
  executions: readonly Execution[],
  timeline: Timeline,
): { completedTwice: Record<SecondRunCause, number>; unexplainedCompletions: string[] } {
  const recurring = new Set(jobs.filter((job) => job.recurring).map(({ id }) => id));
  const completedTwice: Record<SecondRunCause, number> = {
    killed: 0,
    frozen: 0,
    'cut off': 0,
    'lease lapsed': 0,
  };
  const unexplainedCompletions: string[] = [];
  const runs = new Map<string, Execution[]>();
  for (const execution of executions.filter(({ outcome }) => outcome === 'ok')) {
    const key = recurring.has(execution.job) ? `${execution.job}@${execution.due}` : execution.job;
    runs.set(key, [...(runs.get(key) ?? []), execution]);
  }
  /**
   * Whether the owner announced `run`'s completion: a `job:complete` of the job in its process
   * after the run ended and before another execution of the job there ended.
   */
  const announced = (run: Execution): boolean => {
    const end = run.end ?? Infinity;
    const nextEnd = Math.min(
      ...executions
        .filter(
          (other) =>
            other.pid === run.pid && other.job === run.job && (other.end ?? Infinity) > end,
        )
        .map((other) => other.end ?? Infinity),
    );
    return workers.some(
      ({ ev, pid, job, t }) =>
        ev === 'complete' && pid === run.pid && job === run.job && t >= end && t < nextEnd,
    );
  };
  /** Whether the owner of `run` gave it up: its lease lapsed while the handler ran. */
  const gaveUp = (run: Execution): boolean =>
    workers.some(
      ({ ev, pid, job, lockedAt, reason }) =>
        ev === 'signal' &&
        pid === run.pid &&
        job === run.job &&
        lockedAt === run.lockedAt &&
        reason === 'JobOwnershipLostError',
    );
  for (const [key, completions] of runs) {
    for (const [index, second] of completions.entries()) {
      const first = completions[index - 1];
      if (first === undefined) continue;
      const cause =
        timeline.interrupted(first.pid, first.start, second.start) ??
        (timeline.cutOff(first.proc, first.start, second.start) ? 'cut off' : undefined) ??
        (gaveUp(first) ? 'lease lapsed' : undefined);
      const wasAnnounced = announced(first);
      if (cause !== undefined && !wasAnnounced) {
        completedTwice[cause] += 1;
      } else {
        unexplainedCompletions.push(
          `run ${key} completed by ${first.proc} and again by ${second.proc}` +
            (cause === undefined
              ? ', its first owner neither killed, frozen nor cut off, nor did its lease lapse'
              : '') +
            (wasAnnounced ? ', after the first completion was announced' : ''),
        );
      }
    }
  }
  return { completedTwice, unexplainedCompletions };
}

/** Overlapping executions, counted or excused. */
function checkOverlaps(
  executions: readonly Execution[],
  timeline: Timeline,
): { overlaps: string[]; excusedOverlaps: { interrupted: number; ignoresSignal: number } } {
  const endOf = (execution: Execution): number =>
    execution.end ?? timeline.exitOf(execution.pid)?.t ?? Infinity;
  const overlaps: string[] = [];
  const excusedOverlaps = { interrupted: 0, ignoresSignal: 0 };
  for (const overlap of findOverlaps(executions, endOf)) {
    const { first, second, to } = overlap;
    if (!first.honours || !second.honours) {
      excusedOverlaps.ignoresSignal += 1;
    } else if (
      timeline.interrupted(first.pid, first.start, to) !== undefined ||
      timeline.interrupted(second.pid, first.start, to) !== undefined
    ) {
      excusedOverlaps.interrupted += 1;
    } else {
      overlaps.push(describeOverlap(overlap));
    }
  }
  return { overlaps, excusedOverlaps };
}

/** The checker's failures, one line each (empty when the run passed). */
export function chaosFailures(verdict: ChaosVerdict): string[] {
  return [
    ...verdict.lost.map((line) => `lost: ${line}`),
    ...verdict.stuck.map((line) => `stuck: ${line}`),
    ...verdict.crashes.map((line) => `crash: ${line}`),
    ...verdict.unexplainedCompletions.map((line) => `completed twice: ${line}`),
    ...verdict.overlaps.map((line) => `overlap: ${line}`),
    ...verdict.outcomesGivenUp.map((line) => `outcome given up: ${line}`),
    ...verdict.harnessErrors.map((line) => `harness: ${line}`),
  ];
}
