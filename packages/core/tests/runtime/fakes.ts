import type { Collection, Document } from 'mongodb';
import type { JobDocument } from '../../src/jobs/job.js';

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
