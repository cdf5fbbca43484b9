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
 * same in every attempt of it), otherwise its claim was lost.
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
   * @throws The driver's error when the batch (or its read-back) failed; whether this write
   * landed is then unknown, and writing it again is safe.
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
        write.resolve(results[index] as WriteResult);
      }
    } catch (error) {
      for (const write of batch) {
        write.reject(error);
      }
    }
  }

  async #send(batch: readonly QueuedWrite[]): Promise<WriteResult[]> {
    const { collection, health } = this.#options;
    const { matchedCount } = await health.track(
      collection.bulkWrite(
        batch.map(({ job, set }) => ({
          updateOne: { filter: claimFence(job), update: { $set: set } },
        })),
        { ordered: false },
      ),
      `record the outcomes of ${batch.length} job(s)`,
    );
    if (matchedCount === batch.length) {
      return batch.map(() => 'landed');
    }
    const found = await health.track(
      collection
        .find(
          { _id: { $in: batch.map(({ job }) => job._id) } },
          { projection: { _id: 1, status: 1, updatedAt: 1 } },
        )
        .toArray(),
      `read back the outcomes of ${batch.length} job(s)`,
    );
    const stamps = new Map(
      found.map((doc) => [String(doc._id), `${doc.status}@${Number(doc.updatedAt)}`]),
    );
    return batch.map(({ job, set }) =>
      stamps.get(String(job._id)) === `${set.status}@${set.updatedAt.getTime()}`
        ? 'landed'
        : 'lost',
    );
  }
}
