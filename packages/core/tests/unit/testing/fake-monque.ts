import { EventEmitter } from 'node:events';
import type { Filter } from 'mongodb';
import { vi } from 'vitest';
import type { MonqueEventMap } from '../../../src/events.js';
import type { JobDocument } from '../../../src/jobs/job.js';
import type { JobsCollectionLike, MonqueLike } from '../../../src/testing/monque-like.js';

/** An in-memory jobs collection: `findOne` by `_id`; `countDocuments` returns `count`. */
export class FakeJobsCollection implements JobsCollectionLike {
  readonly jobs = new Map<string, JobDocument>();
  count = 0;
  readonly findOne = vi.fn(async (filter: Filter<JobDocument>): Promise<JobDocument | null> => {
    const id = filter._id as { toHexString(): string };
    return this.jobs.get(id.toHexString()) ?? null;
  });
  readonly countDocuments = vi.fn(async (_filter: Filter<JobDocument>) => this.count);

  put(job: JobDocument): void {
    this.jobs.set(job._id.toHexString(), job);
  }
}

/** A Monque stand-in with the members the test helpers use. */
export class FakeMonque extends EventEmitter<MonqueEventMap> implements MonqueLike {
  readonly collection = new FakeJobsCollection();
  inFlightCount = 0;
  workerNames: readonly string[] = [];
}
