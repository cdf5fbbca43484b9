import { EventEmitter } from 'node:events';
import type { Collection, Document } from 'mongodb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConnectionError, DatabaseError, InvalidArgumentError } from '../../src/errors.js';
import type { JobErrorEvent, JobProgressEvent, MonqueEventMap } from '../../src/events.js';
import type { JobDocument } from '../../src/jobs/job.js';
import { ProgressReporter } from '../../src/processing/progress-reporter.js';
import { HealthMonitor } from '../../src/runtime/health-monitor.js';
import { SafeEvents } from '../../src/runtime/safe-events.js';
import { claimedJob, deferred, flush, networkError, serverError } from './fakes.js';

interface UpdateCall {
  filter: Document;
  update: Document;
  answer: ReturnType<typeof deferred<{ matchedCount: number }>>;
}

const INTERVAL = 1000;

function setup() {
  const calls: UpdateCall[] = [];
  const collection = {
    updateOne: (filter: Document, update: Document) => {
      const answer = deferred<{ matchedCount: number }>();
      calls.push({ filter, update, answer });
      return answer.promise;
    },
  } as unknown as Collection<JobDocument>;
  const emitter = new EventEmitter<MonqueEventMap>();
  const reported: JobProgressEvent[] = [];
  const errors: JobErrorEvent[] = [];
  emitter.on('job:progress', (event) => reported.push(event));
  emitter.on('job:error', (event) => errors.push(event));
  const job = claimedJob();
  const reporter = new ProgressReporter(job, {
    collection,
    events: new SafeEvents(emitter),
    health: new HealthMonitor(60_000, 60_000),
    interval: INTERVAL,
  });
  /** The values written so far, in the order they were sent. */
  const written = () => calls.map((call) => call.update.$set.progress as unknown);
  return { job, reporter, calls, reported, errors, written };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('ProgressReporter', () => {
  it('writes the first value at once, under the claim fence, and emits every value', async () => {
    const { job, reporter, calls, reported } = setup();
    reporter.report(10);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.filter).toEqual({
      _id: job._id,
      status: 'processing',
      claimedBy: 'me',
      lockedAt: job.lockedAt,
    });
    expect(calls[0]?.update).toEqual({ $set: { progress: 10 } });
    reporter.report({ done: 2, total: 4 });
    expect(reported.map(({ progress }) => progress)).toEqual([10, { done: 2, total: 4 }]);
    expect(reported[1]?.job).toMatchObject({ _id: job._id, progress: { done: 2, total: 4 } });
  });

  it('writes at most once per interval, the newest value, and one write at a time', async () => {
    const { reporter, calls, written } = setup();
    reporter.report(10);
    reporter.report(20);
    reporter.report(30);
    expect(written()).toEqual([10]);
    calls[0]?.answer.resolve({ matchedCount: 1 });
    await flush();
    expect(written()).toEqual([10]); // the interval has not passed
    await vi.advanceTimersByTimeAsync(INTERVAL - 1);
    expect(written()).toEqual([10]);
    await vi.advanceTimersByTimeAsync(1);
    expect(written()).toEqual([10, 30]);
    // A value reported while a write is in flight waits for it, even past the interval.
    reporter.report(40);
    await vi.advanceTimersByTimeAsync(5 * INTERVAL);
    expect(written()).toEqual([10, 30]);
    calls[1]?.answer.resolve({ matchedCount: 1 });
    await flush();
    expect(written()).toEqual([10, 30, 40]);
  });

  it('stops writing on finish, waits for the write in flight, and returns the last value', async () => {
    const { reporter, calls, written } = setup();
    expect(await reporter.finish()).toBeUndefined();
    const second = setup();
    second.reporter.report(10);
    second.reporter.report(70);
    let finished: unknown = 'not yet';
    void second.reporter.finish().then((value) => {
      finished = value;
    });
    await flush();
    expect(finished).toBe('not yet');
    second.calls[0]?.answer.resolve({ matchedCount: 1 });
    await flush();
    expect(finished).toBe(70);
    await vi.advanceTimersByTimeAsync(10 * INTERVAL);
    second.reporter.report(90); // after the run: ignored
    expect(second.written()).toEqual([10]);
    expect(calls).toEqual([]);
    expect(written()).toEqual([]);
  });

  it('copies a document, so that the handler changing it later changes nothing', async () => {
    const { reporter, calls, reported } = setup();
    const progress = { done: 1 };
    reporter.report(progress);
    progress.done = 2;
    expect(calls[0]?.update.$set.progress).toEqual({ done: 1 });
    expect(reported[0]?.progress).toEqual({ done: 1 });
  });

  it('throws InvalidArgumentError for a value it does not accept, and writes nothing', () => {
    const { reporter, calls, reported } = setup();
    expect(() => reporter.report(101)).toThrow(InvalidArgumentError);
    expect(() => reporter.report('half' as never)).toThrow(InvalidArgumentError);
    expect(calls).toEqual([]);
    expect(reported).toEqual([]);
  });

  it('reports a failed write; after a transient failure it writes the value again an interval later', async () => {
    const { reporter, calls, errors, written } = setup();
    reporter.report(10);
    calls[0]?.answer.reject(networkError('socket closed'));
    await flush();
    expect(errors).toHaveLength(1);
    expect(errors[0]?.error).toBeInstanceOf(ConnectionError);
    expect(errors[0]?.error.message).toMatch(
      /^could not record the progress of job \w{24}: socket closed/,
    );
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(written()).toEqual([10, 10]);
    // A permanent refusal is reported and not tried again.
    calls[1]?.answer.reject(serverError(121, 'Document failed validation'));
    await flush();
    expect(errors[1]?.error).toBeInstanceOf(DatabaseError);
    await vi.advanceTimersByTimeAsync(10 * INTERVAL);
    expect(written()).toEqual([10, 10]);
  });
});
