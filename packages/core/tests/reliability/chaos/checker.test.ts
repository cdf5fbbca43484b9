import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../support/execution-log.js';
import { type ChaosEvidence, chaosFailures, checkChaos, type FinalJob } from './checker.js';

// The checker judges synthetic logs here: each case builds the smallest run that shows one rule,
// with times in microseconds of the monotonic clock.

const A = { proc: 'w0.1', pid: 100 };
const B = { proc: 'w1.1', pid: 200 };

function record(t: number, proc: string, pid: number, ev: string, fields = {}): LogRecord {
  return { t, pid, proc, ev, ...fields };
}

/** The records of one execution of `job` by `owner` from `start` to `end` (none: it died). */
function execution(
  owner: { proc: string; pid: number },
  job: string,
  start: number,
  end: number | undefined,
  {
    outcome = 'ok',
    honours = true,
    due = 1,
    lockedAt = start,
  }: { outcome?: string; honours?: boolean; due?: number; lockedAt?: number } = {},
): LogRecord[] {
  const run = { job, name: 'chaos', due, lockedAt };
  return [
    record(start, owner.proc, owner.pid, 'start', { ...run, attempt: 0, honours }),
    ...(end === undefined ? [] : [record(end, owner.proc, owner.pid, 'end', { ...run, outcome })]),
  ];
}

function nemesis(t: number, ev: string, fields = {}): LogRecord {
  return record(t, 'nemesis', 1, ev, fields);
}

/** Both workers spawned at 0 and stopped by the harness at 10 000. */
function lifecycle(): LogRecord[] {
  return [A, B].flatMap(({ proc, pid }) => [
    nemesis(0, 'spawn', { target: proc, targetPid: pid }),
    nemesis(10_000, 'stop-sent', { target: proc, targetPid: pid }),
    nemesis(10_100, 'exit', { target: proc, targetPid: pid, code: 0, signal: null }),
  ]);
}

function job(id: string, status = 'completed', recurring = false): FinalJob {
  return { id, name: recurring ? 'chaos-cron' : 'chaos', status, recurring, failReason: null };
}

function evidence(parts: Partial<ChaosEvidence> & { extraNemesis?: LogRecord[] }): ChaosEvidence {
  return {
    workers: parts.workers ?? [],
    nemesis: [...lifecycle(), ...(parts.extraNemesis ?? []), nemesis(9000, 'quiescent')].sort(
      (a, b) => a.t - b.t,
    ),
    producer: parts.producer ?? [],
    jobs: parts.jobs ?? [],
  };
}

describe('the chaos checker', () => {
  it('passes a run where each job ran once and completed', () => {
    const verdict = checkChaos(
      evidence({
        workers: [...execution(A, 'j1', 10, 20), ...execution(B, 'j2', 15, 30)],
        producer: [record(5, 'producer', 1, 'enqueued', { job: 'j1', kind: 'now' })],
        jobs: [job('j1'), job('j2')],
      }),
    );
    expect(chaosFailures(verdict)).toEqual([]);
    expect(verdict.counts).toMatchObject({ executions: 2, completions: 2, processes: 2 });
  });

  describe('lost and stuck jobs', () => {
    it('reports an acknowledged job that is not stored, and jobs that did not finish', () => {
      const verdict = checkChaos(
        evidence({
          producer: [record(5, 'producer', 1, 'enqueued', { job: 'gone', kind: 'now' })],
          jobs: [job('pending', 'pending'), job('held', 'processing'), job('empty', 'completed')],
        }),
      );
      expect(verdict.lost).toEqual([
        'job gone was enqueued and is not in the database',
        'job pending (chaos) is pending',
        'job empty is completed but no handler of it returned',
      ]);
      expect(verdict.stuck).toEqual(['job held (chaos) is still processing']);
    });

    it('requires a recurring job to be pending and to have started again after the chaos', () => {
      const verdict = checkChaos(
        evidence({
          workers: [...execution(A, 'cron-1', 9500, 9600), ...execution(A, 'cron-2', 100, 200)],
          jobs: [
            job('cron-1', 'pending', true),
            job('cron-2', 'pending', true),
            job('cron-3', 'failed', true),
          ],
        }),
      );
      expect(verdict.lost).toEqual([
        'recurring job cron-2 did not run after the chaos',
        'recurring job cron-3 is failed',
      ]);
    });
  });

  describe('processes', () => {
    it('accounts for exits caused by the nemesis or the harness, and reports any other', () => {
      const C = { proc: 'w2.1', pid: 300 };
      const D = { proc: 'w3.1', pid: 400 };
      const E = { proc: 'w4.1', pid: 500 };
      const F = { proc: 'w5.1', pid: 600 };
      const verdict = checkChaos(
        evidence({
          extraNemesis: [
            // Killed by the nemesis: accounted for.
            nemesis(0, 'spawn', { target: C.proc, targetPid: C.pid }),
            nemesis(50, 'kill', { target: C.proc, targetPid: C.pid }),
            nemesis(60, 'exit', {
              target: C.proc,
              targetPid: C.pid,
              code: null,
              signal: 'SIGKILL',
            }),
            // Exited by itself.
            nemesis(0, 'spawn', { target: D.proc, targetPid: D.pid }),
            nemesis(70, 'exit', { target: D.proc, targetPid: D.pid, code: 70, signal: null }),
            // Hung on stop.
            nemesis(0, 'spawn', { target: E.proc, targetPid: E.pid }),
            nemesis(10_000, 'stop-sent', { target: E.proc, targetPid: E.pid }),
            nemesis(30_000, 'stop-timeout', { target: E.proc, targetPid: E.pid }),
            nemesis(30_001, 'exit', {
              target: E.proc,
              targetPid: E.pid,
              code: null,
              signal: 'SIGKILL',
            }),
            // Never exited.
            nemesis(0, 'spawn', { target: F.proc, targetPid: F.pid }),
            nemesis(31_000, 'database-exit', { code: 1, signal: null }),
          ],
          workers: [
            record(65, D.proc, D.pid, 'fatal', { kind: 'uncaughtException', error: 'TypeError' }),
          ],
        }),
      );
      expect(verdict.crashes).toEqual([
        'w3.1 (pid 400) exited by itself (code 70, signal null)',
        'w4.1 (pid 500) did not exit after it was asked to stop; it was killed',
        'w5.1 (pid 600) never exited',
        'w3.1: fatal uncaughtException TypeError ',
        'the database process exited with code 1, signal null',
      ]);
    });

    it('does not take a SIGKILL that the nemesis did not send for one it did', () => {
      const verdict = checkChaos(
        evidence({
          extraNemesis: [
            nemesis(0, 'spawn', { target: 'w2.1', targetPid: 300 }),
            nemesis(60, 'exit', { target: 'w2.1', targetPid: 300, code: null, signal: 'SIGKILL' }),
            nemesis(70, 'kill', { target: 'w2.1', targetPid: 300 }),
          ],
        }),
      );
      expect(verdict.crashes).toEqual([
        'w2.1 (pid 300) exited by itself (code null, signal SIGKILL)',
      ]);
    });
  });

  describe('jobs completed twice', () => {
    const twice = (extraNemesis: LogRecord[], workers: LogRecord[] = []) =>
      checkChaos(
        evidence({
          extraNemesis,
          workers: [...execution(A, 'j', 100, 200), ...execution(B, 'j', 3000, 3100), ...workers],
          jobs: [job('j')],
        }),
      );

    it('are explained by a kill, a freeze or a cut-off of the first owner before the second run', () => {
      expect(
        twice([nemesis(250, 'kill', { target: A.proc, targetPid: A.pid })]).completedTwice,
      ).toEqual({ killed: 1, frozen: 0, 'cut off': 0, 'lease lapsed': 0 });
      expect(
        twice([
          nemesis(150, 'freeze', { target: A.proc, targetPid: A.pid }),
          nemesis(2500, 'thaw', { target: A.proc, targetPid: A.pid }),
        ]).completedTwice,
      ).toEqual({ killed: 0, frozen: 1, 'cut off': 0, 'lease lapsed': 0 });
      expect(
        twice([nemesis(210, 'outage-start'), nemesis(2000, 'outage-end')]).completedTwice,
      ).toEqual({ killed: 0, frozen: 0, 'cut off': 1, 'lease lapsed': 0 });
      expect(
        twice([
          nemesis(210, 'fail-point-on', { target: A.proc, commands: ['update'] }),
          nemesis(2000, 'fail-point-off', { target: A.proc }),
        ]).completedTwice,
      ).toEqual({ killed: 0, frozen: 0, 'cut off': 1, 'lease lapsed': 0 });
    });

    it('are explained when the first owner gave the job up as its lease lapsed', () => {
      const lapsed = (reason: string, lockedAt: number) =>
        twice([], [record(150, A.proc, A.pid, 'signal', { job: 'j', due: 1, lockedAt, reason })])
          .completedTwice['lease lapsed'];
      expect(lapsed('JobOwnershipLostError', 100)).toBe(1);
      // Another claim of the job, or another reason, is no cause.
      expect(lapsed('JobOwnershipLostError', 99)).toBe(0);
      expect(lapsed('ShutdownTimeoutError', 100)).toBe(0);
    });

    it('are reported without such a cause, or when the first completion was announced', () => {
      // A fail point on another process, or on commands that do not carry A's outcome, is no cause.
      const unrelated = twice([
        nemesis(210, 'fail-point-on', { target: A.proc, commands: ['getMore'] }),
        nemesis(2000, 'fail-point-off', { target: A.proc }),
        nemesis(2100, 'fail-point-on', { target: B.proc, commands: ['update'] }),
        nemesis(2200, 'fail-point-off', { target: B.proc }),
        // A kill after the second run started explains nothing either.
        nemesis(3050, 'kill', { target: A.proc, targetPid: A.pid }),
      ]);
      expect(unrelated.unexplainedCompletions).toEqual([
        'run j completed by w0.1 and again by w1.1, its first owner neither killed, frozen nor cut off, nor did its lease lapse',
      ]);
      const announced = twice(
        [nemesis(250, 'kill', { target: A.proc, targetPid: A.pid })],
        [record(210, A.proc, A.pid, 'complete', { job: 'j' })],
      );
      expect(announced.unexplainedCompletions).toEqual([
        'run j completed by w0.1 and again by w1.1, after the first completion was announced',
      ]);
    });

    it('count occurrences of a recurring job apart', () => {
      const verdict = checkChaos(
        evidence({
          workers: [
            ...execution(A, 'cron', 100, 200, { due: 1000 }),
            ...execution(B, 'cron', 9500, 9600, { due: 2000 }),
          ],
          jobs: [job('cron', 'pending', true)],
        }),
      );
      expect(chaosFailures(verdict)).toEqual([]);
    });
  });

  describe('outcomes given up', () => {
    it('are reported when a job failed because its outcome write met a refused connection', () => {
      const id = (n: number): string => n.toString(16).padStart(24, '0');
      const failed = (n: number, failReason: string): FinalJob => ({
        ...job(id(n), 'failed'),
        failReason,
      });
      const refused = `could not record the outcome of job ${id(1)} (completed): connect ECONNREFUSED 127.0.0.1:45939`;
      const refusedRetry =
        `could not record the outcome of job ${id(2)} (pending): connect ECONNREFUSED ` +
        '127.0.0.1:35751; the run had failed: planned failure';
      const verdict = checkChaos(
        evidence({
          jobs: [
            failed(1, refused),
            failed(2, refusedRetry),
            // Refused for good by the server (a fail point's error code): the fallback is right.
            failed(
              3,
              `could not record the outcome of job ${id(3)} (completed): Failing command via 'failCommand' failpoint (code 2)`,
            ),
            failed(4, `Job ${id(4)} was taken over 3 times, more than maxTakeovers (2)`),
            // The handler's own failure naming a refused connection is the job's business.
            failed(5, 'connect ECONNREFUSED 10.0.0.1:443'),
          ],
        }),
      );
      expect(verdict.outcomesGivenUp).toEqual([
        `job ${id(1)} is failed: ${refused}`,
        `job ${id(2)} is failed: ${refusedRetry}`,
      ]);
      expect(chaosFailures(verdict)).toEqual([
        `outcome given up: job ${id(1)} is failed: ${refused}`,
        `outcome given up: job ${id(2)} is failed: ${refusedRetry}`,
      ]);
    });
  });

  describe('overlapping executions', () => {
    it('are counted between owners that both ran throughout and honour their signal', () => {
      const verdict = checkChaos(
        evidence({
          workers: [...execution(A, 'j', 100, 500), ...execution(B, 'j', 400, 600)],
          jobs: [job('j')],
        }),
      );
      expect(verdict.overlaps).toEqual(['job j: w0.1 (ok) and w1.1 (ok) ran together for 0.1 ms']);
    });

    it('are not counted when an owner was frozen or killed, or a handler ignores its signal', () => {
      const frozen = checkChaos(
        evidence({
          extraNemesis: [
            nemesis(150, 'freeze', { target: A.proc, targetPid: A.pid }),
            nemesis(350, 'thaw', { target: A.proc, targetPid: A.pid }),
          ],
          workers: [
            ...execution(A, 'j', 100, 500, { outcome: 'aborted' }),
            ...execution(B, 'j', 400, 600),
          ],
          jobs: [job('j')],
        }),
      );
      expect(frozen.overlaps).toEqual([]);
      expect(frozen.excusedOverlaps).toEqual({ interrupted: 1, ignoresSignal: 0 });
      const ignored = checkChaos(
        evidence({
          workers: [
            ...execution(A, 'j', 100, 500, { honours: false }),
            ...execution(B, 'j', 400, 600, { honours: false }),
          ],
          jobs: [job('j')],
        }),
      );
      expect(ignored.excusedOverlaps).toEqual({ interrupted: 0, ignoresSignal: 1 });
    });

    it('end an execution without an end record when its process exited', () => {
      const C = { proc: 'w2.1', pid: 300 };
      const run = (exitAt: number) =>
        checkChaos(
          evidence({
            extraNemesis: [
              nemesis(0, 'spawn', { target: C.proc, targetPid: C.pid }),
              nemesis(exitAt, 'exit', { target: C.proc, targetPid: C.pid, code: 70, signal: null }),
            ],
            workers: [...execution(C, 'j', 100, undefined), ...execution(B, 'j', 400, 600)],
            jobs: [job('j')],
          }),
        );
      // It died by itself after B started: both were running together.
      expect(run(450).overlaps).toEqual([
        'job j: w2.1 (no end) and w1.1 (ok) ran together for 0.1 ms',
      ]);
      expect(run(300).overlaps).toEqual([]);
    });
  });
});
