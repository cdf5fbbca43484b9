import type { Collection, Document } from 'mongodb';
import { ObjectId } from 'mongodb';
import { describe, expect, it } from 'vitest';
import type { JobDocument } from '../../../src/jobs/job.js';
import { checkFindJobs, findJobs } from '../../../src/management/find-jobs.js';
import { createJobDocument } from '../../../src/testing/create-job-document.js';

/** A collection whose `find` answers from a list per status, and records the finds it got. */
function collectionOf(byStatus: Record<string, JobDocument[]>) {
  const finds: Array<{ filter: Document; options: Document }> = [];
  const collection = {
    find: (filter: Document, options: Document) => {
      finds.push({ filter, options });
      const status = (filter.$and as Document[]).at(-1)?.status as string;
      return { toArray: async () => (byStatus[status] ?? []).slice(0, options.limit as number) };
    },
  } as unknown as Collection<JobDocument>;
  return { collection, finds };
}

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute));
const job = (minute: number, hex: string, status: JobDocument['status'] = 'pending') =>
  createJobDocument({ _id: new ObjectId(hex.padStart(24, '0')), createdAt: at(minute), status });

describe('findJobs (one page)', () => {
  it('merges the statuses in the order, ties by _id, and points the cursor at the last job', async () => {
    const pending = [job(1, '1'), job(3, '3'), job(3, '5')];
    const failed = [job(2, '2', 'failed'), job(3, '4', 'failed'), job(4, '6', 'failed')];
    const { collection, finds } = collectionOf({ pending, failed });
    const request = checkFindJobs(
      { status: ['pending', 'failed'] },
      { order: 'createdAt', limit: 4 },
    );
    const page = await findJobs(collection, request);
    expect(page.jobs).toEqual([pending[0], failed[0], pending[1], failed[1]]);
    expect(finds.map(({ options }) => options)).toEqual([
      { sort: { createdAt: 1, _id: 1 }, hint: 'monque_status_created', limit: 5, batchSize: 5 },
      { sort: { createdAt: 1, _id: 1 }, hint: 'monque_status_created', limit: 5, batchSize: 5 },
    ]);
    const next = checkFindJobs(
      { status: ['failed', 'pending'] },
      { order: 'createdAt', limit: 4, cursor: page.nextCursor ?? '' },
    );
    expect(next.position).toEqual({ key: at(3), id: failed[1]?._id, snapshot: undefined });
  });

  it('returns a job once when it changed status between the reads of one page', async () => {
    const moved = job(2, 'b');
    const { collection } = collectionOf({
      pending: [job(1, 'a'), moved],
      failed: [{ ...moved, status: 'failed' }, job(3, 'c', 'failed')],
    });
    const page = await findJobs(collection, checkFindJobs({}, { order: 'createdAt', limit: 3 }));
    expect(page.jobs.map((found) => found._id.toHexString().slice(-1))).toEqual(['a', 'b', 'c']);
    expect(page.nextCursor).toBeNull();
  });
});
