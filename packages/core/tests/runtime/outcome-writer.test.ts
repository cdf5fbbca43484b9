import { describe, expect, it } from 'vitest';
import { releaseSet, successSet } from '../../src/processing/outcome.js';
import { MAX_WRITE_BATCH, OutcomeWriter } from '../../src/processing/outcome-writer.js';
import { HealthMonitor } from '../../src/runtime/health-monitor.js';
import { claimedJob, deferred, type FakeWrite, fakeOutcomeCollection, landed } from './fakes.js';

function setup(fakes: Parameters<typeof fakeOutcomeCollection>[0] = {}) {
  const fake = fakeOutcomeCollection(fakes);
  const health = new HealthMonitor(1000, 5000);
  const writer = new OutcomeWriter({ collection: fake.collection, health });
  return { ...fake, writer, health };
}

describe('OutcomeWriter', () => {
  it('sends the writes of one tick as one bulkWrite of fenced updates', async () => {
    const { writer, batches, health } = setup();
    const jobs = [claimedJob(), claimedJob(), claimedJob()];
    const results = await Promise.all(
      jobs.map((job) => writer.write(job, successSet(job, new Date()))),
    );
    expect(results).toEqual(['landed', 'landed', 'landed']);
    expect(batches).toHaveLength(1);
    expect(batches[0]?.map(({ filter }) => filter)).toEqual(
      jobs.map((job) => ({
        _id: job._id,
        status: 'processing',
        claimedBy: 'me',
        lockedAt: job.lockedAt,
      })),
    );
    expect(batches[0]?.[0]?.set).toMatchObject({ status: 'completed', claimedBy: null });
    expect(health.isHealthy()).toBe(true);
  });

  it('does not hold writes back behind a batch on its way', async () => {
    const answers: ReturnType<typeof deferred<{ matchedCount: number }>>[] = [];
    const { writer, batches } = setup({
      bulkWrite: () => {
        const answer = deferred<{ matchedCount: number }>();
        answers.push(answer);
        return answer.promise;
      },
    });
    const first = writer.write(claimedJob(), releaseSet(new Date()));
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(batches).toHaveLength(1);
    // The first batch never answers (a lost reply): the next writes still go out, together.
    const later = [claimedJob(), claimedJob()].map((job) =>
      writer.write(job, releaseSet(new Date())),
    );
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(batches.map((batch) => batch.length)).toEqual([1, 2]);
    answers[1]?.resolve({ matchedCount: 2 });
    await expect(Promise.all(later)).resolves.toEqual(['landed', 'landed']);
    answers[0]?.resolve({ matchedCount: 1 });
    await expect(first).resolves.toBe('landed');
  });

  it(`splits more than ${MAX_WRITE_BATCH} writes into batches`, async () => {
    const { writer, batches } = setup();
    const count = MAX_WRITE_BATCH + 3;
    await Promise.all(
      Array.from({ length: count }, () => writer.write(claimedJob(), releaseSet(new Date()))),
    );
    expect(batches.map((batch) => batch.length)).toEqual([MAX_WRITE_BATCH, 3]);
  });

  it('rejects every write of a failed batch, and goes on with the next', async () => {
    const failure = new Error('socket closed');
    let call = 0;
    const { writer, health } = setup({
      bulkWrite: async (writes) => {
        call += 1;
        if (call === 1) throw failure;
        return { matchedCount: writes.length };
      },
    });
    const failed = [claimedJob(), claimedJob()].map((job) =>
      writer.write(job, releaseSet(new Date())).catch((error: unknown) => error),
    );
    await expect(Promise.all(failed)).resolves.toEqual([failure, failure]);
    expect(health.isHealthy()).toBe(false);
    await expect(writer.write(claimedJob(), releaseSet(new Date()))).resolves.toBe('landed');
    expect(health.isHealthy()).toBe(true);
  });

  it('reads back a batch in which fewer writes matched: landed by marker, or lost', async () => {
    const jobs = [claimedJob(), claimedJob(), claimedJob(), claimedJob()];
    const fake = setup({
      bulkWrite: async () => ({ matchedCount: 1 }),
      readBack: async () => {
        const [written, otherStatus, otherTime] = fake.writes() as [
          FakeWrite,
          FakeWrite,
          FakeWrite,
        ];
        return [
          landed(written),
          // Taken over and released by another instance: same time, another status.
          { ...landed(otherStatus), status: 'pending' },
          // Taken over and completed by another instance later.
          { ...landed(otherTime), updatedAt: new Date(Date.now() + 5) },
          // The fourth job was deleted: not found.
        ];
      },
    });
    const now = new Date();
    const results = await Promise.all(
      jobs.map((job) => fake.writer.write(job, successSet(job, now))),
    );
    expect(results).toEqual(['landed', 'lost', 'lost', 'lost']);
    expect(fake.reads).toEqual([jobs.map((job) => job._id)]);
    expect(fake.optionsSeen).toEqual([
      { ordered: false },
      { projection: { _id: 1, status: 1, updatedAt: 1 } },
    ]);
  });

  it('rejects the writes of a batch whose read-back failed', async () => {
    const failure = new Error('read failed');
    const { writer } = setup({
      bulkWrite: async () => ({ matchedCount: 0 }),
      readBack: () => Promise.reject(failure),
    });
    await expect(writer.write(claimedJob(), releaseSet(new Date()))).rejects.toBe(failure);
  });

  it('fails only the writes the server refused one by one, and reads the others back', async () => {
    const fake = setup({
      bulkWrite: async () => {
        throw Object.assign(new Error('Document failed validation'), {
          code: 121,
          writeErrors: [{ index: 1, code: 121, errmsg: 'Document failed validation' }],
          result: { getWriteConcernError: () => undefined },
        });
      },
      // The first write landed; the third matched nothing (its claim was lost).
      readBack: async () => [landed(fake.writes()[0])],
    });
    const jobs = [claimedJob(), claimedJob(), claimedJob()];
    const results = await Promise.allSettled(
      jobs.map((job) => fake.writer.write(job, successSet(job, new Date()))),
    );
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[0] as PromiseFulfilledResult<string>).value).toBe('landed');
    expect((results[2] as PromiseFulfilledResult<string>).value).toBe('lost');
    const refused = (results[1] as PromiseRejectedResult).reason as Error & { code: number };
    expect(refused.message).toBe('Document failed validation');
    expect(refused.code).toBe(121);
    expect(fake.reads).toEqual([[jobs[0]?._id, jobs[2]?._id]]);
  });

  it('reads nothing back when the server refused every write of the batch', async () => {
    const fake = setup({
      bulkWrite: async () => {
        throw Object.assign(new Error('too large'), {
          writeErrors: { index: 0, code: 17419 },
        });
      },
    });
    const error = await fake.writer
      .write(claimedJob(), successSet(claimedJob(), new Date()))
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 17419, message: 'write error 17419' });
    expect(fake.reads).toEqual([]);
  });

  it('fails the whole batch on a write concern error or an error without write errors', async () => {
    for (const thrown of [
      Object.assign(new Error('waiting for replication timed out'), {
        writeErrors: [{ index: 0, code: 121 }],
        err: { code: 64 },
      }),
      Object.assign(new Error('wtimeout'), {
        writeErrors: [],
        result: { getWriteConcernError: () => ({ code: 64 }) },
      }),
      Object.assign(new Error('reset'), { name: 'MongoNetworkError' }),
      'not an error',
    ]) {
      const fake = setup({ bulkWrite: () => Promise.reject(thrown) });
      const writes = [claimedJob(), claimedJob()].map((job) =>
        fake.writer.write(job, releaseSet(new Date())),
      );
      for (const write of writes) {
        await expect(write).rejects.toBe(thrown);
      }
    }
  });
});
