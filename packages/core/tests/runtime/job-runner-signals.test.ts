import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  JobCancelledError,
  JobOwnershipLostError,
  JobTimeoutError,
  ShutdownTimeoutError,
} from '../../src/errors.js';
import type { JobErrorEvent, MonqueEventMap } from '../../src/events.js';
import type { Job } from '../../src/jobs/job.js';
import { JobRunner } from '../../src/processing/job-runner.js';
import { SafeEvents } from '../../src/runtime/safe-events.js';
import type { JobContext } from '../../src/workers/worker-registry.js';
import {
  claimedJob,
  deferred,
  fakeOutcomeCollection,
  networkError,
  runnerOptions,
} from './fakes.js';

const LEASE_SPAN = 2000;
const GRACE = 500;

beforeEach(() => {
  // Batches of outcome writes go out on a real setImmediate; time is the fake timers'.
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

function setup(fakes: Parameters<typeof fakeOutcomeCollection>[0] = {}) {
  const events = new EventEmitter<MonqueEventMap>();
  const log: string[] = [];
  const errors: JobErrorEvent[] = [];
  const announced = new Map<string, Job>();
  events.on('job:start', () => log.push('start'));
  events.on('job:fail', ({ job, error, willRetry }) => {
    log.push(`fail ${error.name} retry=${willRetry}`);
    announced.set('fail', job);
  });
  events.on('job:complete', () => log.push('complete'));
  events.on('job:cancelled', ({ job }) => {
    log.push(`cancelled ${job.status}`);
    announced.set('cancelled', job);
  });
  events.on('job:error', (event) => {
    log.push(`error ${event.error.name}`);
    errors.push(event);
  });
  const { collection, writes } = fakeOutcomeCollection(fakes);
  const runner = new JobRunner(
    runnerOptions(collection, new SafeEvents(events), () => log.push('slot freed'), {
      leaseSpan: LEASE_SPAN,
      abortGracePeriod: GRACE,
    }),
  );
  return { runner, log, errors, writes, announced };
}

/** Lets a queued batch go out and its answer be handled (real macrotasks). */
async function nextBatch(): Promise<void> {
  for (let i = 0; i < 2; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** A handler that honours its signal (rejects with its reason) and records it. */
function honouring(reasons: unknown[]) {
  return (_: Job, { signal }: JobContext) =>
    new Promise<void>((_, reject) => {
      signal.addEventListener('abort', () => {
        reasons.push(signal.reason);
        reject(signal.reason);
      });
    });
}

describe('JobRunner: timeouts', () => {
  it('aborts the handler at its time limit and fails the attempt under the retry rules', async () => {
    const { runner, log, writes, announced } = setup();
    const reasons: unknown[] = [];
    const job = claimedJob();
    runner.run(job, honouring(reasons), { timeout: 1000 });
    await vi.advanceTimersByTimeAsync(999);
    expect(reasons).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await nextBatch();
    expect(reasons).toEqual([expect.any(JobTimeoutError)]);
    expect(writes()).toHaveLength(1);
    expect(writes()[0]?.set).toMatchObject({ status: 'pending', failCount: 1 });
    expect(announced.get('fail')?.failReason).toMatch(/ran longer than its time limit of 1000 ms/);
    expect(log).toEqual(['start', 'slot freed', 'fail JobTimeoutError retry=true']);
  });

  it('fails the attempt of a handler that ignores its signal after the grace period, and holds its slot until it settles', async () => {
    const { runner, log, writes } = setup();
    const hang = deferred<void>();
    const job = claimedJob();
    runner.run(job, () => hang.promise, { timeout: 1000 });
    await vi.advanceTimersByTimeAsync(1000 + GRACE - 1);
    await nextBatch();
    // Within the grace period: still held and heartbeated, nothing written.
    expect(writes()).toEqual([]);
    expect(runner.activeIds()).toEqual([job._id]);
    await vi.advanceTimersByTimeAsync(1);
    await nextBatch();
    expect(writes()).toHaveLength(1);
    expect(log).toEqual(['start', 'fail JobTimeoutError retry=true']);
    // The outcome is written: no longer held (no heartbeat), but the slot stays taken.
    expect(runner.activeIds()).toEqual([]);
    expect(runner.activeCount).toBe(1);
    hang.resolve();
    await vi.waitFor(() => expect(log.at(-1)).toBe('slot freed'));
    await nextBatch();
    // What it returned late is discarded.
    expect(writes()).toHaveLength(1);
    expect(runner.activeCount).toBe(0);
  });

  it('does not wait for a hanging handler whose outcome is written when stop() gives up', async () => {
    const { runner, writes } = setup();
    const hang = deferred<void>();
    runner.run(claimedJob(), () => hang.promise, { timeout: 100 });
    await vi.advanceTimersByTimeAsync(100 + GRACE);
    await nextBatch();
    expect(runner.runningJobs()).toEqual([]);
    await runner.abortAndRelease(new ShutdownTimeoutError([], 1));
    expect(writes()).toHaveLength(1);
    hang.resolve();
  });
});

describe('JobRunner: cancel requests', () => {
  it("aborts the handler with a JobCancelledError and writes the job cancelled under the claim's fence", async () => {
    const { runner, log, writes, announced } = setup();
    const reasons: unknown[] = [];
    const job = claimedJob();
    runner.run(job, honouring(reasons));
    runner.requestCancel({ _id: job._id, lockedAt: job.lockedAt, repeatInterval: null });
    await nextBatch();
    expect(reasons).toEqual([new JobCancelledError(job._id)]);
    expect(writes()[0]?.filter).toEqual({
      _id: job._id,
      status: 'processing',
      claimedBy: 'me',
      lockedAt: job.lockedAt,
    });
    expect(writes()[0]?.set).toMatchObject({ status: 'cancelled', cancelRequestedAt: null });
    expect(announced.get('cancelled')).toMatchObject({ status: 'cancelled', claimedBy: null });
    expect(log).toEqual(['start', 'slot freed', 'cancelled cancelled']);
  });

  it('cancels one occurrence of a recurring job, and the whole job once it was unscheduled', async () => {
    const { runner, writes } = setup();
    const recurring = claimedJob({ repeatInterval: '0 * * * *' });
    runner.run(recurring, honouring([]));
    runner.requestCancel({ ...recurring, repeatInterval: '0 * * * *' });
    const unscheduled = claimedJob({ repeatInterval: '0 * * * *' });
    runner.run(unscheduled, honouring([]));
    runner.requestCancel({ ...unscheduled, repeatInterval: null });
    await nextBatch();
    expect(writes().map(({ set }) => set.status)).toEqual(['pending', 'cancelled']);
    expect(writes()[0]?.set.nextRunAt).toBeInstanceOf(Date);
  });

  it('writes the cancel after the grace period when the handler ignores it', async () => {
    const { runner, log, writes } = setup();
    const hang = deferred<void>();
    const job = claimedJob();
    runner.run(job, () => hang.promise);
    runner.requestCancel({ _id: job._id, lockedAt: null, repeatInterval: null });
    await vi.advanceTimersByTimeAsync(GRACE);
    await nextBatch();
    expect(writes()[0]?.set.status).toBe('cancelled');
    expect(log).toEqual(['start', 'cancelled cancelled']);
    expect(runner.activeCount).toBe(1);
    hang.resolve();
    await vi.waitFor(() => expect(log.at(-1)).toBe('slot freed'));
  });

  it('ignores a request for another claim of the job, or once the handler has settled', async () => {
    const { runner, log, writes } = setup();
    const job = claimedJob();
    const work = deferred<void>();
    runner.run(job, () => work.promise);
    runner.requestCancel({
      _id: job._id,
      lockedAt: new Date(Number(job.lockedAt) - 1),
      repeatInterval: null,
    });
    work.resolve();
    await vi.waitFor(() => expect(writes()).toHaveLength(1));
    runner.requestCancel({ _id: job._id, lockedAt: job.lockedAt, repeatInterval: null });
    await nextBatch();
    expect(writes()[0]?.set.status).toBe('completed');
    expect(log).toEqual(['start', 'slot freed', 'complete']);
  });

  it('cancels without running a job claimed with a request, or one whose request came before its run', async () => {
    const { runner, log, writes } = setup();
    const handler = vi.fn();
    runner.run(claimedJob({ cancelRequestedAt: new Date() }), handler);
    const early = claimedJob();
    runner.requestCancel({ _id: early._id, lockedAt: early.lockedAt, repeatInterval: null });
    runner.run(early, handler);
    await nextBatch();
    expect(handler).not.toHaveBeenCalled();
    expect(writes().map(({ set }) => set.status)).toEqual(['cancelled', 'cancelled']);
    expect(log.filter((entry) => entry.startsWith('cancelled'))).toHaveLength(2);
    // A kept request is used once, and only for its claim.
    const again = claimedJob({ _id: early._id, lockedAt: new Date(Number(early.lockedAt) + 1) });
    runner.requestCancel({ _id: early._id, lockedAt: early.lockedAt, repeatInterval: null });
    runner.run(again, handler);
    await nextBatch();
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('forgets requests kept for runs that never started, after the round-trip time limit', async () => {
    const { runner } = setup();
    const forgotten = claimedJob();
    runner.requestCancel({ _id: forgotten._id, lockedAt: null, repeatInterval: null });
    await vi.advanceTimersByTimeAsync(5001);
    // Adding another request sweeps the expired one.
    const other = claimedJob();
    runner.requestCancel({ _id: other._id, lockedAt: null, repeatInterval: null });
    const handler = vi.fn();
    runner.run(forgotten, handler);
    await nextBatch();
    expect(handler).toHaveBeenCalledTimes(1);
  });
});

describe('JobRunner: self-fencing lease', () => {
  it('aborts a handler whose heartbeats were not confirmed for the lease span, writes nothing and reports it', async () => {
    const { runner, log, writes, errors } = setup();
    const reasons: unknown[] = [];
    const job = claimedJob();
    const claimSentAt = Date.now();
    runner.run(job, honouring(reasons), { claimSentAt });
    await vi.advanceTimersByTimeAsync(1500);
    // A heartbeat sent at 1500 ms was confirmed: the lease now runs until 3500 ms.
    runner.confirmLeases([job], claimSentAt + 1500);
    await vi.advanceTimersByTimeAsync(1999);
    expect(reasons).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(reasons).toEqual([expect.any(JobOwnershipLostError)]);
    expect(errors[0]?.error).toBe(reasons[0]);
    expect(errors[0]?.error.message).toMatch(/heartbeats could not be confirmed for 2000 ms/);
    expect(errors[0]?.job).toBe(job);
    await vi.advanceTimersByTimeAsync(GRACE);
    await nextBatch();
    expect(writes()).toEqual([]);
    expect(log).toEqual(['start', 'error JobOwnershipLostError', 'slot freed']);
  });

  it('keeps the slot of a handler that ignores the lost lease until it settles', async () => {
    const { runner, log } = setup();
    const hang = deferred<void>();
    runner.run(claimedJob(), () => hang.promise, { claimSentAt: Date.now() });
    await vi.advanceTimersByTimeAsync(LEASE_SPAN + GRACE + 1000);
    expect(runner.activeCount).toBe(1);
    expect(runner.runningJobs()).toEqual([]);
    hang.resolve();
    await vi.waitFor(() => expect(log.at(-1)).toBe('slot freed'));
  });

  it('aborts at once a handler whose claim the heartbeat found gone', async () => {
    const { runner, errors } = setup();
    const reasons: unknown[] = [];
    const kept = claimedJob();
    const lost = claimedJob();
    runner.run(kept, honouring([]));
    runner.run(lost, honouring(reasons));
    runner.loseClaims([lost]);
    expect(reasons).toEqual([expect.any(JobOwnershipLostError)]);
    expect(errors[0]?.error.message).toMatch(/held by another claim/);
    expect(runner.runningJobs()).toEqual([kept]);
  });

  it('does not give up again a claim that stop() has released', async () => {
    const { runner, errors } = setup();
    const hang = deferred<void>();
    const job = claimedJob();
    runner.run(job, () => hang.promise);
    await runner.abortAndRelease(new ShutdownTimeoutError([job], 1));
    runner.loseClaims([job]);
    expect(errors).toEqual([]);
    hang.resolve();
  });

  it('lets a run whose handler has settled keep writing its outcome when its lease runs out', async () => {
    let calls = 0;
    const { runner, log, errors } = setup({
      bulkWrite: async (writes) => {
        calls += 1;
        if (calls <= 12) throw networkError('down');
        return { matchedCount: writes.length };
      },
    });
    runner.run(claimedJob(), () => {}, { claimSentAt: Date.now() });
    for (let i = 0; i < 12; i += 1) {
      await nextBatch();
      await vi.advanceTimersByTimeAsync(300);
    }
    await vi.waitFor(() => expect(log.at(-1)).toBe('complete'));
    expect(errors.every(({ error }) => !(error instanceof JobOwnershipLostError))).toBe(true);
  });
});
