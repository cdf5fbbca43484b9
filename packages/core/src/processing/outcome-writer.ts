import type { Collection } from 'mongodb';
import { claimFence } from '../claim/fence.js';
import type { Job, JobDocument } from '../jobs/job.js';
import type { HealthMonitor } from '../runtime/health-monitor.js';
import type { OutcomeSet } from './outcome.js';

/** Whether a fenced write landed, or matched nothing because the claim is no longer this one. */
export type WriteResult = 'landed' | 'lost';

/** The most outcome writes sent in one `bulkWrite`. */
export const MAX_WRITE_BATCH = 500;

/** What an {@link OutcomeWriter} needs from its instance. */
export interface OutcomeWriterOptions {
  readonly collection: Collection<JobDocument>;
  /** Tracks each round trip; also fails one that gets no answer in time (retrying is safe). */
  readonly health: HealthMonitor;
}

interface QueuedWrite {
  readonly job: Job;
  readonly set: OutcomeSet;
  readonly resolve: (result: WriteResult) => void;
  readonly reject: (error: unknown) => void;
}

interface BulkWriteErrorLike {
  writeErrors?: unknown;
  err?: unknown;
  result?: { getWriteConcernError?: () => unknown };
}

/**
 * The writes of a batch the server refused one by one (the write errors of a `bulkWrite`), by
 * their index in the batch, each as an Error with the server's `code`; `undefined` when the batch
 * failed as a whole (a network error, a command error, a write concern error).
 */
function writeErrorsOf(error: unknown): Map<number, Error> | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { writeErrors, err, result } = error as BulkWriteErrorLike;
  if (err !== undefined || result?.getWriteConcernError?.() !== undefined) return undefined;
  const list = (Array.isArray(writeErrors) ? writeErrors : [writeErrors]).filter(
    (entry): entry is { index: number; code: number; errmsg?: string; errInfo?: unknown } =>
      typeof (entry as { index?: unknown } | undefined)?.index === 'number',
  );
  if (list.length === 0) return undefined;
  return new Map(
    list.map(({ index, code, errmsg, errInfo }) => [
      index,
      Object.assign(new Error(errmsg ?? `write error ${code}`), { code, errInfo }),
    ]),
  );
}

/**
 * Writes the outcomes of runs, each under its claim's fence (`_id`, `processing`, `claimedBy`,
 * `lockedAt`), so an instance that lost a job cannot overwrite it.
 *
 * Writes are grouped: those requested in the same tick (such as the completions of a claimed
 * round of jobs) go out together as one unordered `bulkWrite` of fenced `updateOne`s (at most
 * {@link MAX_WRITE_BATCH}), one macrotask later. Batches do not wait for each other, so a slow
 * or lost reply delays only the writes of its own batch.
 *
 * When fewer writes matched than were sent (some claims were lost — or an earlier attempt of a
 * retried write had landed and only its reply was lost), the batch's jobs are read back by `_id`:
 * a write landed when the job shows its `status` and `updatedAt` (each outcome's own Date, the
 * same in every attempt of it), otherwise its claim was lost. A write the server refused on its
 * own (such as a validator's refusal) fails alone, with that write error; the others of its batch
 * are read back.
 */
export class OutcomeWriter {
  readonly #options: OutcomeWriterOptions;
  readonly #queue: QueuedWrite[] = [];
  #scheduled = false;

  constructor(options: OutcomeWriterOptions) {
    this.#options = options;
  }

  /**
   * Writes `set` to `job` under its claim's fence, in the next batch.
   *
   * @returns `'landed'`, or `'lost'` when the job is no longer held by this claim.
   * @throws The driver's error when the batch (or its read-back) failed — whether this write
   * landed is then unknown, and writing it again is safe — or this write's own write error.
   */
  write(job: Job, set: OutcomeSet): Promise<WriteResult> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ job, set, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => {
          this.#scheduled = false;
          while (this.#queue.length > 0) {
            void this.#flush(this.#queue.splice(0, MAX_WRITE_BATCH));
          }
        });
      }
    });
  }

  async #flush(batch: readonly QueuedWrite[]): Promise<void> {
    try {
      const results = await this.#send(batch);
      for (const [index, write] of batch.entries()) {
        const result = results[index];
        if (result instanceof Error) write.reject(result);
        else write.resolve(result as WriteResult);
      }
    } catch (error) {
      for (const write of batch) {
        write.reject(error);
      }
    }
  }

  async #send(batch: readonly QueuedWrite[]): Promise<(WriteResult | Error)[]> {
    const { collection, health } = this.#options;
    let matchedCount = -1;
    let refused = new Map<number, Error>();
    try {
      ({ matchedCount } = await health.track(
        collection.bulkWrite(
          batch.map(({ job, set }) => ({
            updateOne: { filter: claimFence(job), update: { $set: set } },
          })),
          { ordered: false },
        ),
        `record the outcomes of ${batch.length} job(s)`,
      ));
    } catch (error) {
      refused = writeErrorsOf(error) ?? refused;
      if (refused.size === 0) throw error;
    }
    if (matchedCount === batch.length) {
      return batch.map(() => 'landed');
    }
    const rest = batch.filter((_, index) => !refused.has(index));
    const found =
      rest.length === 0
        ? []
        : await health.track(
            collection
              .find(
                { _id: { $in: rest.map(({ job }) => job._id) } },
                { projection: { _id: 1, status: 1, updatedAt: 1 } },
              )
              .toArray(),
            `read back the outcomes of ${rest.length} job(s)`,
          );
    const stamps = new Map(
      found.map((doc) => [String(doc._id), `${doc.status}@${Number(doc.updatedAt)}`]),
    );
    return batch.map(({ job, set }, index) => {
      const error = refused.get(index);
      if (error !== undefined) return error;
      return stamps.get(String(job._id)) === `${set.status}@${set.updatedAt.getTime()}`
        ? 'landed'
        : 'lost';
    });
  }
}
