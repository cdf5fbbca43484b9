import {
  type Collection,
  type Db,
  type Document,
  MongoBulkWriteError,
  MongoServerError,
  ObjectId,
} from 'mongodb';
import { describe, expect, it } from 'vitest';
import { DatabaseError } from '../../src/errors.js';
import type { JobDocument } from '../../src/jobs/job.js';
import { deleteJobs } from '../../src/management/delete-jobs.js';
import { checkJobFilter } from '../../src/management/job-filter.js';
import { rescheduleJob } from '../../src/management/reschedule-job.js';
import { retryJob } from '../../src/management/retry-job.js';
import { RETRY_BATCH, retryJobs } from '../../src/management/retry-jobs.js';
import { Monque } from '../../src/monque.js';
import { createJobDocument } from '../../src/testing/create-job-document.js';
import { rejection } from '../setup/refusal.js';
import { networkError } from './fakes.js';

const ID = new ObjectId('65a1f0c2e4b0a1b2c3d4e5f6');

function bulkError(codes: number[], modifiedCount: number, writeConcernError?: Document) {
  const result = {
    modifiedCount,
    getWriteConcernError: () => writeConcernError,
  };
  const error = new MongoBulkWriteError(
    {
      message: 'bulk write failed',
      code: codes[0] ?? 1,
      writeErrors: codes.map((code, index) => ({ code, index }) as never),
    },
    result as never,
  );
  return error;
}

describe('single-job writes whose job changes meanwhile', () => {
  /** A collection whose atomic write matches nothing and whose read finds `found`. */
  function missed(found: JobDocument | null, writeError?: unknown) {
    const sent: Document[] = [];
    const collection = {
      findOneAndUpdate: async (_filter: Document, _update: Document, options: Document) => {
        sent.push(options);
        if (writeError !== undefined) throw writeError;
        return null;
      },
      findOne: async (_filter: Document, options: Document) => {
        sent.push(options);
        return found;
      },
    } as unknown as Collection<JobDocument>;
    return { collection, sent };
  }

  it('says so when the job reached an accepted status between the write and the read', async () => {
    const failed = createJobDocument({ status: 'failed' });
    expect(await retryJob(missed(failed).collection, failed._id, new Date())).toEqual({
      outcome: 'refused',
      job: failed,
      reason: 'job changed while being retried (it is failed now); try again',
    });
    const pending = createJobDocument();
    expect(
      (await rescheduleJob(missed(pending).collection, pending._id, new Date(), new Date())).result,
    ).toMatchObject({
      reason: 'job changed while being rescheduled (it is pending now); try again',
    });
  });

  it('passes the driver options it is given to every command it sends', async () => {
    const session = { id: 'session', inTransaction: () => false } as never;
    const { collection, sent } = missed(null);
    expect(await retryJob(collection, ID, new Date(), { session })).toEqual({
      outcome: 'not-found',
    });
    expect(sent).toEqual([
      expect.objectContaining({ session }),
      expect.objectContaining({ session }),
    ]);
  });

  it('passes on a write error other than a duplicate key', async () => {
    const refused = new MongoServerError({ message: 'validation', code: 121 });
    const error = await rejection(() => retryJob(missed(null, refused).collection, ID, new Date()));
    expect(error).toBe(refused);
  });
});

describe('deleteJobs', () => {
  it('sends nothing when the filter selects only running jobs', async () => {
    const collection = {} as Collection<JobDocument>;
    expect(await deleteJobs(collection, checkJobFilter({ status: 'processing' }))).toEqual({
      done: 0,
      requested: 0,
    });
  });
});

describe('retryJobs over many jobs with unique keys', () => {
  /** A collection holding `keyed` jobs with a unique key: ids read by page, bulk writes answered. */
  function keyedCollection(keyed: number, answer: (batch: number) => Promise<unknown>) {
    const ids = Array.from({ length: keyed }, () => new ObjectId()).sort((a, b) =>
      a.toHexString() < b.toHexString() ? -1 : 1,
    );
    const finds: Document[] = [];
    const batches: number[] = [];
    const collection = {
      updateMany: async () => ({ modifiedCount: 2 }),
      find: (filter: Document, options: { limit: number }) => ({
        toArray: async () => {
          finds.push(filter);
          const after = (filter._id as { $gt?: ObjectId } | undefined)?.$gt;
          const from = after === undefined ? 0 : ids.findIndex((id) => id.equals(after)) + 1;
          return ids.slice(from, from + options.limit).map((_id) => ({ _id }));
        },
      }),
      bulkWrite: async (writes: unknown[]) => {
        batches.push(writes.length);
        return answer(writes.length);
      },
    } as unknown as Collection<JobDocument>;
    return { collection, finds, batches };
  }

  it(`retries them ${RETRY_BATCH} per round trip, paging by _id`, async () => {
    const { collection, finds, batches } = keyedCollection(RETRY_BATCH + 5, async (count) => ({
      modifiedCount: count,
    }));
    const filter = checkJobFilter({ status: 'failed' });
    expect(await retryJobs(collection, filter, new Date())).toEqual({
      done: 2 + RETRY_BATCH + 5,
      requested: 0,
    });
    expect(batches).toEqual([RETRY_BATCH, 5]);
    expect(finds).toHaveLength(2);
    expect(finds[1]?._id).toEqual({ $gt: expect.any(ObjectId) });
  });

  it('sends nothing more when no job with a unique key is selected', async () => {
    const { collection, finds, batches } = keyedCollection(0, async () => ({ modifiedCount: 0 }));
    expect(await retryJobs(collection, checkJobFilter({ name: 'a' }), new Date())).toEqual({
      done: 2,
      requested: 0,
    });
    expect(finds).toHaveLength(1);
    expect(batches).toEqual([]);
  });

  it('counts what a batch retried around duplicate keys, and passes on any other failure', async () => {
    const filter = checkJobFilter({ uniqueKey: 'k' });
    const duplicates = keyedCollection(3, async () => {
      throw bulkError([11000, 11000], 1);
    });
    expect(await retryJobs(duplicates.collection, filter, new Date())).toEqual({
      done: 1,
      requested: 0,
    });
    // The driver gives a single write error as it is, not in an array.
    const single = bulkError([11000], 2);
    Object.assign(single, { writeErrors: { code: 11000, index: 0 } });
    const one = keyedCollection(3, async () => {
      throw single;
    });
    expect(await retryJobs(one.collection, filter, new Date())).toEqual({ done: 2, requested: 0 });
    for (const error of [
      bulkError([11000, 121], 1),
      bulkError([11000], 2, { code: 64, errmsg: 'waiting for replication timed out' }),
      networkError('reset'),
    ]) {
      const failing = keyedCollection(3, async () => {
        throw error;
      });
      expect(await rejection(() => retryJobs(failing.collection, filter, new Date()))).toBe(error);
    }
  });

  it('reports a refused bulk write as a DatabaseError through the facade', async () => {
    const refused = bulkError([121], 0);
    expect(refused).toBeInstanceOf(MongoServerError);
    const { collection } = keyedCollection(1, async () => {
      throw refused;
    });
    const db = {
      collection: () => Object.assign(collection, { createIndexes: async () => {} }),
      command: async () => ({ version: '7.0.0' }),
    } as unknown as Db;
    const monque = new Monque(db, { recoverStaleJobs: false });
    const error = await rejection(() => monque.retryJobs({ name: 'a' }));
    expect(error).toBeInstanceOf(DatabaseError);
  });
});
