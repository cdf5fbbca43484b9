import { type ClientSession, type Collection, MongoServerError } from 'mongodb';
import { describe, expect, it } from 'vitest';
import type { JobDocument } from '../../../src/jobs/job.js';
import { DUPLICATE_KEY, upsertUniqueJob } from '../../../src/scheduling/insert-job.js';

/** A collection whose `findOneAndUpdate` always answers a duplicate-key error, counting calls. */
function duplicateKeyCollection() {
  const calls: unknown[] = [];
  const collection = {
    async findOneAndUpdate(_filter: unknown, _update: unknown, options: unknown) {
      calls.push(options);
      throw new MongoServerError({ message: 'E11000 duplicate key error', code: DUPLICATE_KEY });
    },
  } as unknown as Collection<JobDocument>;
  return { collection, calls };
}

const session = (inTransaction: boolean) =>
  ({ inTransaction: () => inTransaction }) as ClientSession;

describe('upsertUniqueJob and transactions', () => {
  it('sends the upsert once in a transaction: a failed statement has aborted it', async () => {
    const { collection, calls } = duplicateKeyCollection();
    const inTransaction = session(true);
    await expect(
      upsertUniqueJob(collection, 'sync', { uniqueKey: 'k' }, {}, { session: inTransaction }),
    ).rejects.toMatchObject({ code: DUPLICATE_KEY });
    expect(calls).toEqual([expect.objectContaining({ session: inTransaction, upsert: true })]);
  });

  it('retries a lost race outside a transaction, also with a session', async () => {
    const { collection, calls } = duplicateKeyCollection();
    await expect(
      upsertUniqueJob(collection, 'sync', { uniqueKey: 'k' }, {}, { session: session(false) }),
    ).rejects.toMatchObject({ code: DUPLICATE_KEY });
    expect(calls).toHaveLength(5);
  });
});
