import type { Collection, ObjectId } from 'mongodb';
import type { JobDocument } from '../jobs/job.js';
import { JobStatus } from '../jobs/job-status.js';
import { type JobActionResult, refusedOrMissing, statusRefusal } from './job-action.js';
import type { WriteOperationOptions } from './write-options.js';

/** The statuses a job can be deleted in: all but `processing` (its run would go on unseen). */
export const DELETABLE_STATUSES: readonly JobStatus[] = Object.values(JobStatus).filter(
  (status) => status !== JobStatus.Processing,
);

/**
 * Deletes one job that is not `processing`, with one `findOneAndDelete` on its id and those
 * statuses (returning the job as it was). A processing job is refused.
 */
export async function deleteJob(
  collection: Collection<JobDocument>,
  id: ObjectId,
  options: WriteOperationOptions = {},
): Promise<JobActionResult> {
  const job = await collection.findOneAndDelete(
    { _id: id, status: { $in: [...DELETABLE_STATUSES] } },
    { ...options },
  );
  if (job !== null) return { outcome: 'done', job };
  return refusedOrMissing(
    collection,
    id,
    (found) =>
      statusRefusal(
        found,
        DELETABLE_STATUSES,
        'deleted',
        'a job is not deleted while it runs; delete it once its run has ended',
      ),
    options,
  );
}
