import type { Collection, ObjectId } from 'mongodb';
import type { Job, JobDocument } from '../jobs/job.js';

/** Reads one job by its (checked) id with one `find` on `_id`; `null` when there is none. */
export function getJob(collection: Collection<JobDocument>, id: ObjectId): Promise<Job | null> {
  return collection.findOne({ _id: id });
}
