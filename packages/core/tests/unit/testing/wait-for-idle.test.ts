import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InvalidArgumentError } from '../../../src/errors.js';
import { createJobDocument } from '../../../src/testing/create-job-document.js';
import { waitForIdle } from '../../../src/testing/wait-for-idle.js';
import { WaitTimeoutError } from '../../../src/testing/wait-timeout-error.js';
import { FakeMonque } from './fake-monque.js';

describe('waitForIdle', () => {
  let monque: FakeMonque;

  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    monque = new FakeMonque();
    monque.workerNames = ['send-email', 'resize'];
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('counts due pending and processing jobs of the registered workers', async () => {
    await expect(waitForIdle(monque)).resolves.toBeUndefined();
    expect(monque.collection.countDocuments).toHaveBeenCalledWith({
      name: { $in: ['send-email', 'resize'] },
      $or: [
        { status: 'pending', nextRunAt: { $lte: new Date('2026-01-01T00:00:00Z') } },
        { status: 'processing' },
      ],
    });
  });

  it('waits for the jobs in flight to finish', async () => {
    monque.inFlightCount = 1;
    const done = waitForIdle(monque, { checkInterval: 60_000 });
    await vi.advanceTimersByTimeAsync(0);
    monque.inFlightCount = 0;
    monque.emit('job:complete', { job: createJobDocument(), duration: 1 });
    await expect(done).resolves.toBeUndefined();
    expect(monque.collection.countDocuments).toHaveBeenCalledTimes(2);
  });

  it('waits for due jobs to be taken and run', async () => {
    monque.collection.count = 2;
    const done = waitForIdle(monque, { checkInterval: 100 });
    await vi.advanceTimersByTimeAsync(100);
    monque.collection.count = 0;
    await vi.advanceTimersByTimeAsync(100);
    await expect(done).resolves.toBeUndefined();
    expect(monque.collection.countDocuments).toHaveBeenCalledTimes(3);
  });

  it('times out with the counts last seen', async () => {
    monque.collection.count = 3;
    monque.inFlightCount = 2;
    const done = waitForIdle(monque, { timeout: 500 });
    const assertion = expect(done).rejects.toThrow(
      new WaitTimeoutError(
        'Timed out after 500 ms waiting for the instance to become idle; last seen 2 job(s) in ' +
          'flight and 3 due or processing job(s) of workers ["send-email","resize"].',
      ),
    );
    await vi.advanceTimersByTimeAsync(500);
    await assertion;
  });

  it('times out after 5 s by default', async () => {
    monque.inFlightCount = 1;
    const assertion = expect(waitForIdle(monque)).rejects.toThrow(/^Timed out after 5000 ms/);
    await vi.advanceTimersByTimeAsync(5000);
    await assertion;
  });

  it('rejects a bad timeout', async () => {
    await expect(waitForIdle(monque, { timeout: -1 })).rejects.toThrow(InvalidArgumentError);
    expect(monque.collection.countDocuments).not.toHaveBeenCalled();
  });
});
