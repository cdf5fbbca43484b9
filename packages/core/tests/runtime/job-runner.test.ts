import { EventEmitter } from 'node:events';
import type { Collection, UpdateResult } from 'mongodb';
import { ObjectId } from 'mongodb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConnectionError, JobOwnershipLostError } from '../../src/errors.js';
import type { JobErrorEvent, MonqueEventMap } from '../../src/events.js';
import type { JobDocument } from '../../src/jobs/job.js';
import { JobRunner } from '../../src/processing/job-runner.js';
import { HealthMonitor } from '../../src/runtime/health-monitor.js';
import { deferred, flush } from './fakes.js';

function claimedJob(overrides: Partial<JobDocument> = {}): JobDocument {
  const now = new Date();
  return {
    _id: new ObjectId(),
    name: 'job',
    data: null,
    status: 'processing',
    nextRunAt: now,
    lockedAt: now,
    claimedBy: 'me',
    lastHeartbeat: now,
    heartbeatInterval: 1000,
    failCount: 0,
    failReason: null,
    repeatInterval: null,
    timezone: null,
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}

function setup(updateOne: () => Promise<Partial<UpdateResult>>) {
  const events = new EventEmitter<MonqueEventMap>();
  const errors: JobErrorEvent[] = [];
  const log: string[] = [];
  events.on('job:error', (event) => errors.push(event));
  events.on('job:complete', () => log.push('complete'));
  events.on('job:fail', () => log.push('fail'));
  const settled: string[] = [];
  const updates: unknown[] = [];
  const collection = {
    updateOne: (filter: unknown, update: unknown) => {
      updates.push({ filter, update });
      return updateOne();
    },
  } as unknown as Collection<JobDocument>;
  const runner = new JobRunner({
    collection,
    events,
    instanceId: 'me',
    retry: { maxRetries: 3, baseRetryInterval: 100, maxBackoffDelay: 10_000 },
    health: new HealthMonitor(1000),
    onSettled: (name) => settled.push(name),
  });
  return { runner, errors, log, settled, updates };
}

const matched = async () => ({ matchedCount: 1 });

afterEach(() => {
  vi.useRealTimers();
});

describe('JobRunner', () => {
  it('fails a recurring job whose stored cron cannot be read, and reports it', async () => {
    const { runner, errors, log, updates } = setup(matched);
    runner.run(claimedJob({ repeatInterval: 'not a cron' }), () => {});
    await vi.waitFor(() => expect(errors).toHaveLength(1));
    expect(errors[0]?.error.name).toBe('InvalidCronError');
    expect(log).toEqual([]);
    expect(updates[0]).toMatchObject({ update: { $set: { status: 'failed' } } });
  });

  it('reports a failed outcome write as a ConnectionError', async () => {
    const { runner, errors, settled } = setup(() => Promise.reject(new Error('socket closed')));
    const job = claimedJob();
    runner.run(job, () => {});
    await vi.waitFor(() => expect(errors).toHaveLength(1));
    expect(errors[0]?.error).toBeInstanceOf(ConnectionError);
    expect(errors[0]?.job).toBe(job);
    expect(settled).toEqual(['job']);
    expect(runner.activeCount).toBe(0);
  });

  it('reports a lost claim instead of the outcome', async () => {
    const { runner, errors, log } = setup(async () => ({ matchedCount: 0 }));
    runner.run(claimedJob(), () => {
      throw new Error('handler failed');
    });
    await vi.waitFor(() => expect(errors).toHaveLength(1));
    expect(errors[0]?.error).toBeInstanceOf(JobOwnershipLostError);
    expect(log).toEqual([]);
  });

  it('waits for running jobs up to a timeout', async () => {
    vi.useFakeTimers();
    const { runner } = setup(matched);
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
    const results: Partial<UpdateResult>[] = [{ matchedCount: 1 }, { matchedCount: 0 }];
    const failing = new Error('release failed');
    let call = 0;
    const { runner, errors, updates, log } = setup(() => {
      call += 1;
      if (call === 3) return Promise.reject(failing);
      return Promise.resolve(results[call - 1] ?? { matchedCount: 1 });
    });
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
    expect(updates).toHaveLength(3);
    // One release matched, one found the job taken over, one write failed.
    expect(errors.map((event) => event.error)).toEqual([
      expect.any(JobOwnershipLostError),
      expect.any(ConnectionError),
    ]);
    await runner.abortAndRelease(reason);
    expect(updates).toHaveLength(3);
    for (const gate of gates) gate.reject(new Error('aborted'));
    await flush();
    await vi.waitFor(() => expect(runner.activeCount).toBe(0));
    expect(updates).toHaveLength(3);
    expect(log).toEqual([]);
  });
});
