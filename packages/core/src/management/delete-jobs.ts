import type { Collection } from 'mongodb';
import type { JobDocument } from '../jobs/job.js';
import { actionQuery } from './bulk-filter.js';
import { DELETABLE_STATUSES } from './delete-job.js';
import type { BulkActionResult } from './job-action.js';
import type { CheckedJobFilter } from './job-filter.js';
import type { WriteOperationOptions } from './write-options.js';

/**
 * Deletes every job the filter selects that is not `processing`, with one `deleteMany` (each
 * document is deleted atomically; a job that starts running meanwhile is not deleted).
 */
export async function deleteJobs(
  collection: Collection<JobDocument>,
  filter: CheckedJobFilter,
  options: WriteOperationOptions = {},
): Promise<BulkActionResult> {
  const query = actionQuery(filter, DELETABLE_STATUSES);
  if (query === undefined) return { done: 0, requested: 0 };
  const { deletedCount } = await collection.deleteMany(query, { ...options });
  return { done: deletedCount, requested: 0 };
}
