import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';

/** The machine's monotonic clock in microseconds, as the logs' `t` (fixtures/jsonl-log.mjs). */
export function microseconds(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/**
 * One record of a JSONL log (fixtures/jsonl-log.mjs): `t` is the machine's monotonic clock in
 * microseconds, the same in every process; `proc` names the process in the scenario.
 */
export interface LogRecord {
  readonly t: number;
  readonly pid: number;
  readonly proc: string;
  readonly ev: string;
  readonly job?: string;
  readonly [field: string]: unknown;
}

/** How a handler ended (fixtures/logged-worker.mjs). */
export type HandlerOutcome = 'ok' | 'threw' | 'aborted';

/** One execution of a job: its handler's start to its end, in one process. */
export interface Execution {
  readonly job: string;
  readonly name: string;
  readonly proc: string;
  readonly pid: number;
  /** The `nextRunAt` the run was claimed for (ms since the epoch): one occurrence of a job. */
  readonly due: number;
  /** The claim's fence (`lockedAt`, ms since the epoch). */
  readonly lockedAt: number | null;
  /** The job's `groupKey`, or `null` (logs without it: `null`). */
  readonly group: string | null;
  readonly honours: boolean;
  readonly start: number;
  /** When the handler ended; `undefined` when it never logged an end (its process died). */
  readonly end: number | undefined;
  readonly outcome: HandlerOutcome | undefined;
  /** The name of the abort reason, for an execution that ended `aborted`. */
  readonly reason: string | undefined;
}

/** Two executions of one job whose intervals intersect, from `from` to `to`. */
export interface Overlap {
  readonly first: Execution;
  readonly second: Execution;
  readonly from: number;
  readonly to: number;
}

/** An append-only JSONL log written by this process (the same format as fixtures/jsonl-log.mjs). */
export interface LogWriter {
  readonly path: string;
  /** Appends one record (`t`, `pid` and `proc` are added) with one synchronous write. */
  write(record: { ev: string; [field: string]: unknown }): LogRecord;
  close(): void;
}

/** Opens `path` for appending the records of `proc`. */
export function openLog(path: string, proc: string): LogWriter {
  const fd = openSync(path, 'a');
  let open = true;
  return {
    path,
    write(record) {
      const written: LogRecord = { t: microseconds(), pid: process.pid, proc, ...record };
      if (open) writeSync(fd, `${JSON.stringify(written)}\n`);
      return written;
    },
    close() {
      if (!open) return;
      open = false;
      closeSync(fd);
    },
  };
}

/**
 * Reads a JSONL log. A last line without its newline (a write cut short) is reported as an error:
 * the fixtures write each record with one synchronous write, so it would mean a lost record.
 */
export function readLog(path: string): LogRecord[] {
  const text = readFileSync(path, 'utf8');
  if (text !== '' && !text.endsWith('\n')) {
    throw new Error(`${path} ends with an incomplete record: ${text.slice(-200)}`);
  }
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line, index) => {
      try {
        return JSON.parse(line) as LogRecord;
      } catch (error) {
        throw new Error(`${path}:${index + 1} is not JSON: ${line}`, { cause: error });
      }
    });
}

function field<T>(record: LogRecord, key: string, type: 'string' | 'number' | 'boolean'): T {
  const value = record[key];
  if (typeof value !== type) {
    throw new Error(`log record without ${key} (${type}): ${JSON.stringify(record)}`);
  }
  return value as T;
}

/**
 * The executions in `records` (any number of processes' logs): each `start` paired with the `end`
 * of the same process, job and claim. An execution without an end ran until its process died.
 */
export function executionsOf(records: readonly LogRecord[]): Execution[] {
  const open = new Map<string, Omit<Execution, 'end' | 'outcome' | 'reason'>>();
  const executions: Execution[] = [];
  const keyOf = (record: LogRecord): string =>
    `${record.pid}/${String(record.job)}/${String(record.lockedAt)}`;
  for (const record of [...records].sort((a, b) => a.t - b.t)) {
    if (record.ev === 'start') {
      open.set(keyOf(record), {
        job: field(record, 'job', 'string'),
        name: field(record, 'name', 'string'),
        proc: record.proc,
        pid: record.pid,
        due: field(record, 'due', 'number'),
        lockedAt: typeof record.lockedAt === 'number' ? record.lockedAt : null,
        group: typeof record.group === 'string' ? record.group : null,
        honours: field(record, 'honours', 'boolean'),
        start: record.t,
      });
    } else if (record.ev === 'end') {
      const started = open.get(keyOf(record));
      if (started === undefined) {
        throw new Error(`an end without its start: ${JSON.stringify(record)}`);
      }
      open.delete(keyOf(record));
      executions.push({
        ...started,
        end: record.t,
        outcome: field<HandlerOutcome>(record, 'outcome', 'string'),
        reason: typeof record.reason === 'string' ? record.reason : undefined,
      });
    }
  }
  for (const started of open.values()) {
    executions.push({ ...started, end: undefined, outcome: undefined, reason: undefined });
  }
  return executions.sort((a, b) => a.start - b.start);
}

/**
 * Every pair of executions of the same job whose intervals intersect. `endOf` gives the end of an
 * execution that logged none (when its process died).
 */
export function findOverlaps(
  executions: readonly Execution[],
  endOf: (execution: Execution) => number = (execution) => execution.end ?? Infinity,
): Overlap[] {
  const byJob = new Map<string, Execution[]>();
  for (const execution of executions) {
    byJob.set(execution.job, [...(byJob.get(execution.job) ?? []), execution]);
  }
  const overlaps: Overlap[] = [];
  for (const runs of byJob.values()) {
    const ordered = [...runs].sort((a, b) => a.start - b.start);
    for (const [index, first] of ordered.entries()) {
      for (const second of ordered.slice(index + 1)) {
        const to = Math.min(endOf(first), endOf(second));
        if (second.start < to) overlaps.push({ first, second, from: second.start, to });
      }
    }
  }
  return overlaps;
}

/** A readable line about an overlap, for assertion messages. */
export function describeOverlap({ first, second, from, to }: Overlap): string {
  return (
    `job ${first.job}: ${first.proc} (${first.outcome ?? 'no end'}) and ${second.proc} ` +
    `(${second.outcome ?? 'no end'}) ran together for ${((to - from) / 1000).toFixed(1)} ms`
  );
}

/** How executions ended, counted: `aborted (JobOwnershipLostError) 20`. */
export function describeOutcomes(executions: readonly Execution[]): string {
  const counts = new Map<string, number>();
  for (const { outcome, reason } of executions) {
    const key = outcome === 'aborted' ? `aborted (${reason})` : (outcome ?? 'no end');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([key, count]) => `${key} ${count}`).join(', ') || 'none';
}
