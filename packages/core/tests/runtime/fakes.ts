import type { Collection, Document } from 'mongodb';
import type { JobDocument } from '../../src/jobs/job.js';
import type { JobRunnerOptions } from '../../src/processing/job-runner.js';
import { DEFAULT_RETENTION } from '../../src/processing/retention.js';
import { HealthMonitor } from '../../src/runtime/health-monitor.js';
import type { MonqueEvents } from '../../src/runtime/safe-events.js';
import { createJobDocument } from '../../src/testing/create-job-document.js';

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

export function deferred<T>(): Deferred<T> {
  let resolve: (value: T) => void = () => {};
  let reject: (error: unknown) => void = () => {};
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A change stream whose `tryNext()` calls are answered by the test, one by one. */
export class FakeStream {
  readonly pending: Deferred<Document | null>[] = [];
  closed = false;
  closeError: Error | undefined;

  tryNext(): Promise<Document | null> {
    const next = deferred<Document | null>();
    this.pending.push(next);
    return next.promise;
  }

  /** Answers the oldest waiting `tryNext()`. */
  answer(value: Document | null): void {
    this.pending.shift()?.resolve(value);
  }

  fail(error: unknown): void {
    this.pending.shift()?.reject(error);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.closeError) throw this.closeError;
  }
}

/** A collection whose `watch()` hands out {@link FakeStream}s. */
export function fakeWatchCollection(): {
  collection: Collection<JobDocument>;
  streams: FakeStream[];
  pipelines: unknown[];
} {
  const streams: FakeStream[] = [];
  const pipelines: unknown[] = [];
  const collection = {
    watch(pipeline: unknown) {
      pipelines.push(pipeline);
      const stream = new FakeStream();
      streams.push(stream);
      return stream;
    },
  } as unknown as Collection<JobDocument>;
  return { collection, streams, pipelines };
}

/** Lets queued promise callbacks run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 10; i += 1) await Promise.resolve();
}

export function serverError(code: number, message = `server error ${code}`): Error {
  return Object.assign(new Error(message), { code });
}

/** An error as the driver's `MongoNetworkError` (recognised by name): transient. */
export function networkError(message: string): Error {
  return Object.assign(new Error(message), { name: 'MongoNetworkError' });
}

/** One fenced write of an outcome batch, as a fake collection received it. */
export interface FakeWrite {
  readonly filter: Document;
  readonly set: Document;
}

/**
 * A collection for the outcome writer: `bulkWrite` (answered by `bulkWrite`, all matched by
 * default) and the read-back `find` by `_id` (answered by `readBack`, nothing found by default).
 */
export function fakeOutcomeCollection(
  options: {
    bulkWrite?: (writes: FakeWrite[]) => Promise<{ matchedCount: number }>;
    readBack?: (ids: unknown[]) => Promise<Document[]>;
  } = {},
) {
  const batches: FakeWrite[][] = [];
  const reads: unknown[][] = [];
  const optionsSeen: Document[] = [];
  const bulkWrite = options.bulkWrite ?? (async (writes) => ({ matchedCount: writes.length }));
  const readBack = options.readBack ?? (async () => []);
  const collection = {
    bulkWrite: (
      operations: { updateOne: { filter: Document; update: Document } }[],
      writeOptions: Document,
    ) => {
      optionsSeen.push(writeOptions);
      const writes = operations.map(({ updateOne }) => ({
        filter: updateOne.filter,
        set: updateOne.update.$set as Document,
      }));
      batches.push(writes);
      return bulkWrite(writes);
    },
    find: (filter: { _id: { $in: unknown[] } }, findOptions: Document) => ({
      toArray: () => {
        optionsSeen.push(findOptions);
        reads.push(filter._id.$in);
        return readBack(filter._id.$in);
      },
    }),
  } as unknown as Collection<JobDocument>;
  return {
    collection,
    batches,
    reads,
    optionsSeen,
    writes: (): FakeWrite[] => batches.flat(),
  };
}

/** The read-back document of a write that landed (its `status` and `updatedAt` marker). */
export function landed(write: FakeWrite | undefined): Document {
  return { _id: write?.filter._id, status: write?.set.status, updatedAt: write?.set.updatedAt };
}

/** A job as claimed by the instance `me` just now (name `job`, heartbeat interval 1 s). */
export function claimedJob(overrides: Partial<JobDocument> = {}): JobDocument {
  const now = new Date();
  return createJobDocument({
    name: 'job',
    status: 'processing',
    nextRunAt: now,
    lockedAt: now,
    claimedBy: 'me',
    lastHeartbeat: now,
    heartbeatInterval: 1000,
    createdAt: now,
    updatedAt: now,
    ...overrides,
  });
}

/**
 * The options of a JobRunner under test: instance `me`, 3 attempts with a 100 ms backoff unit,
 * 2 takeovers, outcome retries up to 300 ms apart, the default retention, results up to 1 KiB and
 * progress written at most once a second; `overrides` replace any of them.
 */
export function runnerOptions(
  collection: Collection<JobDocument>,
  events: MonqueEvents,
  onSlotFreed: (name: string) => void,
  overrides: Partial<JobRunnerOptions> = {},
): JobRunnerOptions {
  return {
    collection,
    events,
    instanceId: 'me',
    retry: { maxRetries: 3, baseRetryInterval: 100, maxBackoffDelay: 10_000 },
    maxTakeovers: 2,
    health: new HealthMonitor(1000, 5000),
    maxOutcomeRetryDelay: 300,
    onSlotFreed,
    retentionFor: () => DEFAULT_RETENTION,
    maxResultSize: 1024,
    progressInterval: 1000,
    now: () => new Date(),
    monotonic: () => Date.now(),
    leaseSpan: 60_000,
    abortGracePeriod: 1000,
    ...overrides,
  };
}
