import { ObjectId } from 'mongodb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InvalidArgumentError } from '../../../src/errors.js';
import type { JobDocument } from '../../../src/jobs/job.js';
import { createJobDocument } from '../../../src/testing/create-job-document.js';
import { waitForJob } from '../../../src/testing/wait-for-job.js';
import { WaitTimeoutError } from '../../../src/testing/wait-timeout-error.js';
import { FakeMonque } from './fake-monque.js';

const ID = '65a1f0c2e4b0a1b2c3d4e5f6';
const EVENTS = [
  'job:start',
  'job:complete',
  'job:fail',
  'job:cancelled',
  'job:error',
  'stale:recovered',
] as const;

function listenerTotal(monque: FakeMonque): number {
  return EVENTS.reduce((total, event) => total + monque.listenerCount(event), 0);
}

describe('waitForJob', () => {
  let monque: FakeMonque;
  let job: JobDocument;

  beforeEach(() => {
    vi.useFakeTimers();
    monque = new FakeMonque();
    job = createJobDocument({ _id: new ObjectId(ID), name: 'send-email' });
    monque.collection.put(job);
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('resolves at once when the job already has the status, and cleans up', async () => {
    monque.collection.put({ ...job, status: 'completed' });
    await expect(waitForJob(monque, ID, 'completed')).resolves.toMatchObject({
      status: 'completed',
    });
    expect(listenerTotal(monque)).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('re-checks on an event, without waiting for the check interval', async () => {
    const done = waitForJob(monque, job._id, 'completed', { checkInterval: 60_000 });
    await vi.advanceTimersByTimeAsync(0);
    expect(monque.collection.findOne).toHaveBeenCalledTimes(1);
    monque.collection.put({ ...job, status: 'completed' });
    monque.emit('job:complete', { job, duration: 5 });
    await expect(done).resolves.toMatchObject({ status: 'completed' });
    expect(monque.collection.findOne).toHaveBeenCalledTimes(2);
  });

  it('re-checks every checkInterval when no event comes (another instance ran the job)', async () => {
    const done = waitForJob(monque, job._id, 'processing', { checkInterval: 100 });
    await vi.advanceTimersByTimeAsync(100);
    expect(monque.collection.findOne).toHaveBeenCalledTimes(2);
    monque.collection.put({ ...job, status: 'processing' });
    await vi.advanceTimersByTimeAsync(100);
    await expect(done).resolves.toMatchObject({ status: 'processing' });
  });

  it('runs one check at a time and checks again when an event came during a check', async () => {
    let release: (value: JobDocument) => void = () => {};
    monque.collection.findOne.mockImplementationOnce(
      () => new Promise<JobDocument>((resolve) => (release = resolve)),
    );
    const done = waitForJob(monque, job._id, 'completed', { checkInterval: 60_000 });
    await vi.advanceTimersByTimeAsync(0);
    monque.emit('job:start', job);
    monque.emit('job:start', job);
    expect(monque.collection.findOne).toHaveBeenCalledTimes(1);
    monque.collection.put({ ...job, status: 'completed' });
    release({ ...job, status: 'processing' });
    await expect(done).resolves.toMatchObject({ status: 'completed' });
    expect(monque.collection.findOne).toHaveBeenCalledTimes(2);
  });

  it('stops early when the job ends in the other final status', async () => {
    monque.collection.put({ ...job, status: 'failed', failReason: 'SMTP down' });
    const error = await waitForJob(monque, ID, 'completed').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect((error as Error).message).toBe(
      `Stopped waiting for job ${ID} (send-email) to reach status completed: it ended with ` +
        'last seen status failed (failReason: SMTP down).',
    );
    expect(listenerTotal(monque)).toBe(0);
  });

  it('times out naming the job, the awaited and the last seen status', async () => {
    const done = waitForJob(monque, ID, 'completed', { timeout: 1000 });
    const assertion = expect(done).rejects.toThrow(
      new WaitTimeoutError(
        `Timed out after 1000 ms waiting for job ${ID} (send-email) to reach status completed; ` +
          'last seen status pending.',
      ),
    );
    await vi.advanceTimersByTimeAsync(1000);
    await assertion;
    expect(listenerTotal(monque)).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('times out after 5 s by default, saying when the job was not found', async () => {
    const missing = new ObjectId();
    const done = waitForJob(monque, missing, 'completed');
    const assertion = expect(done).rejects.toThrow(
      `Timed out after 5000 ms waiting for job ${missing.toHexString()} (unknown name) to reach ` +
        'status completed; the job was not found.',
    );
    await vi.advanceTimersByTimeAsync(5000);
    await assertion;
  });

  it('ignores a check that finishes after the timeout', async () => {
    let release: (value: JobDocument) => void = () => {};
    monque.collection.findOne.mockImplementationOnce(
      () => new Promise<JobDocument>((resolve) => (release = resolve)),
    );
    const done = waitForJob(monque, ID, 'completed', { timeout: 10 });
    const assertion = expect(done).rejects.toThrow(WaitTimeoutError);
    await vi.advanceTimersByTimeAsync(10);
    await assertion;
    release({ ...job, status: 'completed' });
    await vi.advanceTimersByTimeAsync(0);
    expect(monque.collection.findOne).toHaveBeenCalledTimes(1);
  });

  it('passes an error of the collection on', async () => {
    const failure = new Error('connection reset');
    monque.collection.findOne.mockRejectedValueOnce(failure);
    await expect(waitForJob(monque, ID, 'completed')).rejects.toBe(failure);
    expect(listenerTotal(monque)).toBe(0);
  });

  it('ignores a collection error that arrives after the timeout', async () => {
    let fail: (error: Error) => void = () => {};
    monque.collection.findOne.mockImplementationOnce(
      () => new Promise<JobDocument>((_, reject) => (fail = reject)),
    );
    const done = waitForJob(monque, ID, 'completed', { timeout: 10 });
    const assertion = expect(done).rejects.toThrow(WaitTimeoutError);
    await vi.advanceTimersByTimeAsync(10);
    await assertion;
    fail(new Error('late'));
    await vi.advanceTimersByTimeAsync(0);
    expect(monque.collection.findOne).toHaveBeenCalledTimes(1);
  });

  it.each<[string, unknown, object, string]>([
    ['an operator object as id', { $ne: null }, {}, 'id'],
    ['a zero timeout', ID, { timeout: 0 }, 'options.timeout'],
    ['a NaN checkInterval', ID, { checkInterval: Number.NaN }, 'options.checkInterval'],
  ])('rejects %s before reading anything', async (_, id, options, argument) => {
    const error = await waitForJob(monque, id as string, 'completed', options).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).argument).toBe(argument);
    expect(monque.collection.findOne).not.toHaveBeenCalled();
  });
});
