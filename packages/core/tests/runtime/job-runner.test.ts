import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ConnectionError,
  InvalidArgumentError,
  JobOwnershipLostError,
  ListenerError,
} from '../../src/errors.js';
import type { JobErrorEvent, JobFailEvent, MonqueEventMap } from '../../src/events.js';
import type { JobDocument } from '../../src/jobs/job.js';
import { JobRunner } from '../../src/processing/job-runner.js';
import { FALLBACK_REASON_LENGTH } from '../../src/processing/outcome.js';
import { SafeEvents } from '../../src/runtime/safe-events.js';
import {
  claimedJob,
  deferred,
  type FakeWrite,
  fakeOutcomeCollection,
  flush,
  landed,
  networkError,
  runnerOptions,
} from './fakes.js';

/** The runner's clocks and limits (the fake timers, when a test uses them, drive `Date.now()`). */
function setup(fakes: Parameters<typeof fakeOutcomeCollection>[0] = {}) {
  const events = new EventEmitter<MonqueEventMap>();
  const errors: JobErrorEvent[] = [];
  const log: string[] = [];
  events.on('job:error', (event) => errors.push(event));
  const announced: { event: string; job: JobDocument }[] = [];
  events.on('job:complete', ({ job }) => {
    log.push('complete');
    announced.push({ event: 'complete', job });
  });
  events.on('job:fail', ({ job }) => {
    log.push('fail');
    announced.push({ event: 'fail', job });
  });
  const freed: string[] = [];
  const { collection, writes, reads, batches } = fakeOutcomeCollection(fakes);
  const runner = new JobRunner(
    runnerOptions(collection, new SafeEvents(events), (name) => freed.push(name)),
  );
  return { runner, events, errors, log, freed, writes, reads, batches, announced };
}

/** A bulkWrite that fails its first `failures` calls, then answers with `then`. */
function failing(
  failures: number,
  then: (writes: FakeWrite[]) => Promise<{ matchedCount: number }> = async (writes) => ({
    matchedCount: writes.length,
  }),
) {
  let call = 0;
  return (writes: FakeWrite[]) => {
    call += 1;
    return call <= failures ? Promise.reject(networkError(`socket closed ${call}`)) : then(writes);
  };
}

/** Fake timeouts (the retry backoff); batches still go out on a real `setImmediate`. */
function fakeTimeouts(): void {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
}

/** Lets a queued batch go out (one real macrotask) and its answer be handled (the next). */
async function nextBatch(): Promise<void> {
  for (let i = 0; i < 2; i += 1) {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

afterEach(() => {
  vi.useRealTimers();
});

describe('JobRunner', () => {
  it('fails a recurring job whose stored cron cannot be read, and reports it', async () => {
    const { runner, errors, log, writes } = setup();
    runner.run(claimedJob({ repeatInterval: 'not a cron' }), () => {});
    await vi.waitFor(() => expect(errors).toHaveLength(1));
    expect(errors[0]?.error.name).toBe('InvalidCronError');
    expect(log).toEqual([]);
    expect(writes()[0]?.set).toMatchObject({ status: 'failed' });
  });

  it('announces the job as written: job:complete and job:fail carry the new state', async () => {
    const { runner, announced, batches } = setup();
    const done = claimedJob();
    runner.run(done, () => {});
    const failing = claimedJob({ failCount: 1 });
    runner.run(failing, () => {
      throw new Error('boom');
    });
    await vi.waitFor(() => expect(announced).toHaveLength(2));
    const complete = announced.find(({ event }) => event === 'complete')?.job;
    expect(complete).toMatchObject({ _id: done._id, status: 'completed', claimedBy: null });
    expect(complete?.updatedAt.getTime()).toBeGreaterThanOrEqual(done.updatedAt.getTime());
    const failed = announced.find(({ event }) => event === 'fail')?.job;
    expect(failed).toMatchObject({
      _id: failing._id,
      status: 'pending',
      failCount: 2,
      failReason: 'boom',
      lockedAt: null,
    });
    // Retry #2 waits 2^2 × 100 ms.
    expect((failed?.nextRunAt.getTime() ?? 0) - (failed?.updatedAt.getTime() ?? 0)).toBe(400);
    // Both outcomes, finished in the same tick, went out in one batch.
    expect(batches).toHaveLength(1);
  });

  it('retries a failed outcome write with capped backoff while the job stays claimed', async () => {
    fakeTimeouts();
    const { runner, errors, log, freed, writes } = setup({ bulkWrite: failing(5) });
    const job = claimedJob();
    runner.run(job, () => {});
    await nextBatch();
    expect(writes()).toHaveLength(1);
    expect(errors).toHaveLength(1);
    // Waits of 50, 100, 200, then 300 ms (capped) between the attempts.
    for (const [wait, attempts] of [
      [49, 1],
      [1, 2],
      [99, 2],
      [1, 3],
      [200, 4],
      [299, 4],
      [1, 5],
      [300, 6],
    ] as const) {
      await vi.advanceTimersByTimeAsync(wait);
      // The retried write goes out with the next batch, one macrotask later.
      await nextBatch();
      expect(writes()).toHaveLength(attempts);
      if (attempts < 6) {
        // Still held: the heartbeat covers it. Its handler is done, so its slot was freed when
        // the first write went out.
        expect(runner.activeIds()).toEqual([job._id]);
        expect(freed).toEqual(['job']);
      }
    }
    expect(errors).toHaveLength(5);
    for (const [index, { error, job: concerned }] of errors.entries()) {
      expect(error).toBeInstanceOf(ConnectionError);
      expect((error.cause as Error).message).toBe(`socket closed ${index + 1}`);
      expect(concerned).toBe(job);
    }
    expect(errors[0]?.error.message).toMatch(/retrying in 50 ms/);
    // Every attempt wrote the same outcome, with the same updatedAt marker.
    expect(new Set(writes().map(({ set }) => set.updatedAt))).toHaveProperty('size', 1);
    expect(log).toEqual(['complete']);
    expect(freed).toEqual(['job']);
    expect(runner.activeCount).toBe(0);
  });

  it('reads back a retried write that matches nothing: an earlier attempt had landed', async () => {
    fakeTimeouts();
    const fakes = setup({
      bulkWrite: failing(1, async () => ({ matchedCount: 0 })),
      readBack: async () => [landed(fakes.writes()[0])],
    });
    const { runner, errors, log, reads } = fakes;
    const job = claimedJob();
    runner.run(job, () => {});
    await vi.advanceTimersByTimeAsync(50);
    await vi.waitFor(() => expect(log).toEqual(['complete']));
    expect(errors.map(({ error }) => error)).toEqual([expect.any(ConnectionError)]);
    expect(reads).toEqual([[job._id]]);
  });

  it('reads back a retried write that matches nothing: the claim was lost', async () => {
    fakeTimeouts();
    const fakes = setup({
      bulkWrite: failing(1, async () => ({ matchedCount: 0 })),
      // Taken over and finished by another instance: a different marker.
      readBack: async () => [{ ...landed(fakes.writes()[0]), updatedAt: new Date(Date.now() + 1) }],
    });
    fakes.runner.run(claimedJob(), () => {});
    await vi.advanceTimersByTimeAsync(50);
    await vi.waitFor(() => expect(fakes.errors).toHaveLength(2));
    expect(fakes.errors[1]?.error).toBeInstanceOf(JobOwnershipLostError);
    expect(fakes.reads).toHaveLength(1);
    expect(fakes.log).toEqual([]);
  });

  it('stops retrying an outcome write once stop() released the run', async () => {
    fakeTimeouts();
    const { runner, errors, log, freed, writes } = setup({
      bulkWrite: () => Promise.reject(networkError('down')),
    });
    runner.run(claimedJob(), () => {});
    await nextBatch();
    expect(writes()).toHaveLength(1);
    await runner.abortAndRelease(new Error('stopping'));
    expect(writes()).toHaveLength(2);
    await vi.waitFor(() => expect(freed).toEqual(['job']));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(writes()).toHaveLength(2);
    expect(errors.map(({ error }) => error.message)).toEqual([
      expect.stringMatching(/could not record the outcome/),
      expect.stringMatching(/could not release job .* on stop/),
    ]);
    expect(log).toEqual([]);
  });

  it('does not retry an attempt that failed after stop() released the run', async () => {
    const attempt = deferred<{ matchedCount: number }>();
    let calls = 0;
    const { runner, errors, writes, freed } = setup({
      bulkWrite: async (batch) => {
        calls += 1;
        return calls === 1 ? attempt.promise : { matchedCount: batch.length };
      },
    });
    runner.run(claimedJob(), () => {});
    await vi.waitFor(() => expect(writes()).toHaveLength(1));
    // Released while its outcome write is on its way; the release goes in the next batch.
    const releasing = runner.abortAndRelease(new Error('stopping'));
    attempt.reject(networkError('reply lost'));
    await releasing;
    await vi.waitFor(() => expect(freed).toEqual(['job']));
    expect(writes().map(({ set }) => set.status)).toEqual(['completed', 'pending']);
    expect(errors.map(({ error }) => error)).toEqual([expect.any(ConnectionError)]);
  });

  it('a job:start listener that throws changes nothing: the job runs and completes', async () => {
    const { runner, events, errors, freed, writes, log } = setup();
    const failure = new Error('listener failed');
    events.on('job:start', () => {
      throw failure;
    });
    const job = claimedJob();
    let ran = false;
    runner.run(job, () => {
      ran = true;
    });
    await vi.waitFor(() => expect(freed).toEqual(['job']));
    expect(ran).toBe(true);
    expect(log).toEqual(['complete']);
    expect(writes().map(({ set }) => set.status)).toEqual(['completed']);
    expect(errors).toEqual([{ error: expect.any(ListenerError), job }]);
    expect(errors[0]?.error.cause).toBe(failure);
  });

  it('reports a lost claim instead of the outcome', async () => {
    const { runner, errors, log, reads } = setup({
      bulkWrite: async () => ({ matchedCount: 0 }),
    });
    runner.run(claimedJob(), () => {
      throw new Error('handler failed');
    });
    await vi.waitFor(() => expect(errors).toHaveLength(1));
    expect(errors[0]?.error).toBeInstanceOf(JobOwnershipLostError);
    expect(reads).toHaveLength(1);
    expect(log).toEqual([]);
  });

  it('waits for running jobs up to a timeout', async () => {
    fakeTimeouts();
    const { runner } = setup();
    await expect(runner.waitForAll(10)).resolves.toBe(true);
    const gate = deferred<void>();
    runner.run(claimedJob(), () => gate.promise);
    const waiting = runner.waitForAll(1000);
    await vi.advanceTimersByTimeAsync(1000);
    await expect(waiting).resolves.toBe(false);
    const waitingAgain = runner.waitForAll(1000);
    gate.resolve();
    await expect(waitingAgain).resolves.toBe(true);
  });

  it('aborts and releases running jobs, and does not write their late outcome', async () => {
    // One batch of three releases: two matched; the third job had been taken over.
    const fakes = setup({
      bulkWrite: async () => ({ matchedCount: 2 }),
      readBack: async () => fakes.writes().slice(0, 2).map(landed),
    });
    const { runner, errors, writes, log } = fakes;
    const signals: AbortSignal[] = [];
    const gates = [deferred<void>(), deferred<void>(), deferred<void>()];
    for (const gate of gates) {
      runner.run(claimedJob(), (_job, { signal }) => {
        signals.push(signal);
        return gate.promise;
      });
    }
    expect(runner.activeIds()).toHaveLength(3);
    const reason = new Error('stopping');
    await runner.abortAndRelease(reason);
    expect(signals.every((signal) => signal.aborted && signal.reason === reason)).toBe(true);
    expect(runner.runningJobs()).toEqual([]);
    expect(runner.activeCount).toBe(3);
    expect(writes()).toHaveLength(3);
    expect(writes().every(({ set }) => set.status === 'pending')).toBe(true);
    expect(errors.map((event) => event.error)).toEqual([expect.any(JobOwnershipLostError)]);
    await runner.abortAndRelease(reason);
    expect(writes()).toHaveLength(3);
    for (const gate of gates) gate.reject(new Error('aborted'));
    await flush();
    await vi.waitFor(() => expect(runner.activeCount).toBe(0));
    expect(writes()).toHaveLength(3);
    expect(log).toEqual([]);
  });

  it('fails a job taken over more than maxTakeovers times without running it', async () => {
    const { runner, announced, errors, writes, events } = setup();
    const failures: JobFailEvent[] = [];
    events.on('job:fail', (event) => failures.push(event));
    let ran = false;
    const job = claimedJob({ takeoverCount: 3, failCount: 1 });
    runner.run(job, () => {
      ran = true;
    });
    await vi.waitFor(() => expect(announced).toHaveLength(1));
    expect(ran).toBe(false);
    expect(errors).toEqual([]);
    expect(writes()[0]?.set).toMatchObject({ status: 'failed', failCount: 2 });
    expect(writes()[0]?.set).not.toHaveProperty('takeoverCount');
    expect(failures[0]).toMatchObject({
      willRetry: false,
      error: { name: 'TakeoverLimitError', takeovers: 3, limit: 2 },
      job: { status: 'failed', takeoverCount: 3 },
    });
    // At the limit it still runs.
    const runs: string[] = [];
    runner.run(claimedJob({ takeoverCount: 2 }), () => {
      runs.push('ran');
    });
    await vi.waitFor(() => expect(runs).toEqual(['ran']));
  });

  it('replaces an outcome the database refused for good by the final failure, once', async () => {
    const refusal = Object.assign(new Error('Document failed validation'), { code: 121 });
    let calls = 0;
    const { runner, errors, events, writes, freed } = setup({
      bulkWrite: async (batch) => {
        calls += 1;
        if (calls === 1) throw refusal;
        return { matchedCount: batch.length };
      },
    });
    const failures: JobFailEvent[] = [];
    events.on('job:fail', (event) => failures.push(event));
    const job = claimedJob();
    runner.run(job, () => {
      throw new Error('handler failed');
    });
    await vi.waitFor(() => expect(freed).toEqual(['job']));
    expect(writes().map(({ set }) => set.status)).toEqual(['pending', 'failed']);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.error).toMatchObject({
      name: 'DatabaseError',
      code: 121,
      message: `could not record the outcome of job ${job._id.toHexString()} (pending): Document failed validation (code 121)`,
    });
    const reason = writes()[1]?.set.failReason as string;
    expect(reason).toBe(`${errors[0]?.error.message}; the run had failed: handler failed`);
    expect(failures).toEqual([
      {
        job: expect.objectContaining({ status: 'failed' }),
        error: errors[0]?.error,
        willRetry: false,
      },
    ]);
  });

  it('keeps the fallback reason short, and gives the run up when even the fallback is refused', async () => {
    const { runner, errors, writes, freed, log } = setup({
      bulkWrite: async () => {
        throw Object.assign(new Error(`too large ${'x'.repeat(2000)}`), { code: 17419 });
      },
    });
    runner.run(claimedJob(), () => {});
    await vi.waitFor(() => expect(freed).toEqual(['job']));
    expect(writes()).toHaveLength(2);
    expect(writes()[1]?.set.failReason).toHaveLength(FALLBACK_REASON_LENGTH);
    expect(errors.map(({ error }) => error.message)).toEqual([
      expect.stringMatching(/^could not record the outcome of job \w+ \(completed\): too large/),
      expect.stringMatching(
        /^could not record even the failure of job \w+; it stays claimed until it is taken over: too large/,
      ),
    ]);
    expect(log).toEqual([]);
  });

  it('keeps a recurring job on its schedule when its outcome is refused for good', async () => {
    let calls = 0;
    const { runner, writes, freed } = setup({
      bulkWrite: async (batch) => {
        calls += 1;
        if (calls === 1) throw Object.assign(new Error('refused'), { code: 2 });
        return { matchedCount: batch.length };
      },
    });
    runner.run(claimedJob({ repeatInterval: '0 0 * * *', failCount: 2 }), () => {});
    await vi.waitFor(() => expect(freed).toEqual(['job']));
    expect(writes()[1]?.set).toMatchObject({ status: 'pending', failCount: 0, takeoverCount: 0 });
  });

  it('reports an error of the run itself (a bug) and frees the slot', async () => {
    const events = new EventEmitter<MonqueEventMap>();
    const errors: JobErrorEvent[] = [];
    events.on('job:error', (event) => errors.push(event));
    const freed: string[] = [];
    // An invalid retry policy (options are validated, so only a bug could get here) makes the
    // failure's backoff throw.
    const runner = new JobRunner(
      runnerOptions(
        fakeOutcomeCollection().collection,
        new SafeEvents(events),
        (name) => freed.push(name),
        { retry: { maxRetries: 3, baseRetryInterval: 100, maxBackoffDelay: Number.NaN } },
      ),
    );
    const job = claimedJob();
    runner.run(job, () => {
      throw new Error('handler failed');
    });
    await vi.waitFor(() => expect(freed).toEqual(['job']));
    expect(errors).toEqual([{ error: expect.any(InvalidArgumentError), job }]);
  });
});
