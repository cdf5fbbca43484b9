import { ObjectId } from 'mongodb';
import { describe, expect, it } from 'vitest';
import type { JobErrorEvent, JobFailEvent } from '../../src/events.js';
import { MAX_BSON_DOCUMENT_SIZE } from '../../src/options.js';
import { MAX_FAIL_REASON_LENGTH } from '../../src/processing/outcome.js';
import { createJobDocument } from '../../src/testing/create-job-document.js';
import { useSchedulerHarness } from '../setup/scheduler-harness.js';

/**
 * An outcome write that can never succeed must not be retried forever (holding the job's slot and
 * heartbeat): it falls back to a minimal fenced write that fails the job, and is reported.
 */
describe('an outcome write rejected for a permanent reason', () => {
  const harness = useSchedulerHarness('permanent_writes');

  it('a collection validator refusing the completion: the job ends failed, reported, slot freed', async () => {
    const collectionName = harness.collectionName();
    // The application's validator accepts every status but "completed".
    await harness.db.createCollection(collectionName, {
      validator: { status: { $in: ['pending', 'processing', 'failed'] } },
    });
    const monque = harness.create({ collectionName }, await harness.separateDb());
    monque.worker('work', () => {}, { concurrency: 1 });
    const errors: JobErrorEvent[] = [];
    monque.on('job:error', (event) => errors.push(event));
    const failed: JobFailEvent[] = [];
    monque.on('job:fail', (event) => failed.push(event));
    await monque.start();
    const jobs = [
      (await monque.enqueue('work', { n: 1 })).job,
      (await monque.enqueue('work', { n: 2 })).job,
    ];

    // Both end failed (the second could only be claimed once the first freed its slot).
    await expect.poll(() => failed.length, { timeout: 5000 }).toBe(2);
    for (const job of jobs) {
      const stored = await monque.collection.findOne({ _id: job._id });
      expect(stored).toMatchObject({ status: 'failed', claimedBy: null, lockedAt: null });
      expect(stored?.failReason).toMatch(
        /^could not record the outcome of job [0-9a-f]{24} \(completed\): Document failed validation \(code 121\)/,
      );
    }
    expect(
      failed.every(({ willRetry, error }) => !willRetry && error.name === 'DatabaseError'),
    ).toBe(true);
    expect(errors).toHaveLength(2);
    for (const { error, job } of errors) {
      expect(error).toMatchObject({ name: 'DatabaseError', code: 121 });
      expect(jobs.map(({ _id }) => _id.toHexString())).toContain(job?._id.toHexString());
    }
    expect(monque.inFlightCount).toBe(0);
  }, 20_000);

  it('a failure that would push a near-16 MiB document over the limit: failed with a short reason', async () => {
    const collectionName = harness.collectionName();
    // Slow heartbeats: moving 16 MiB documents takes a while on a busy machine, and a late
    // heartbeat must not let the job be taken over in the middle of the test.
    const monque = harness.create({
      collectionName,
      maxRetries: 1,
      heartbeatInterval: 1000,
      lockTimeout: 20_000,
    });
    await monque.initialize();
    // A job written by other software, 2 KiB under the 16 MiB limit (enqueue keeps more room).
    const job = createJobDocument({ name: 'big', data: '' as string });
    const room = MAX_BSON_DOCUMENT_SIZE - 2048;
    const { BSON } = await import('mongodb');
    const base = BSON.calculateObjectSize({ ...job, _id: new ObjectId() });
    job.data = 'x'.repeat(room - base);
    await monque.collection.insertOne(job);
    monque.worker('big', () => {
      throw new Error(`failed: ${'e'.repeat(MAX_FAIL_REASON_LENGTH)}`);
    });
    const errors: JobErrorEvent[] = [];
    monque.on('job:error', (event) => errors.push(event));
    await monque.start();

    await expect
      .poll(
        async () =>
          (await monque.collection.findOne({ _id: job._id }, { projection: { data: 0 } }))?.status,
        {
          timeout: 5000,
        },
      )
      .toBe('failed');
    const stored = await monque.collection.findOne({ _id: job._id }, { projection: { data: 0 } });
    expect(stored?.failReason?.length).toBeLessThanOrEqual(512);
    expect(stored?.failReason).toMatch(/over|larger|too large|17419|10334/i);
    expect(errors.map(({ error }) => error.name)).toEqual(['DatabaseError']);
    expect(errors[0]?.error.message).toMatch(/\(code 17419\)$/);
  }, 20_000);
});
