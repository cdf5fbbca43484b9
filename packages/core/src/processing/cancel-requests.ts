import type { ObjectId } from 'mongodb';
import type { Job } from '../jobs/job.js';
import type { MonotonicTime } from '../runtime/database-clock.js';

/** A cancel request for a job this instance runs: its claim, and its schedule at the request. */
export interface CancelRequest {
  readonly _id: ObjectId;
  /** The fence of the claim the request was made under; `null` matches any. */
  readonly lockedAt: Date | null;
  /** The job's cron expression when the request was read (`null` after `unschedule()`). */
  readonly repeatInterval: string | null;
}

/**
 * Cancel requests that arrived before the run of their job started: a change event can overtake
 * the answer of the claim it follows. Each is kept for `ttl` ms (the round-trip time limit: a
 * claim answered later than that is failed and handed back) and applied when its run starts.
 */
export class CancelRequests {
  readonly #monotonic: MonotonicTime;
  readonly #ttl: number;
  readonly #requests = new Map<string, { request: CancelRequest; at: number }>();

  constructor(monotonic: MonotonicTime, ttl: number) {
    this.#monotonic = monotonic;
    this.#ttl = ttl;
  }

  /** Keeps `request` (and forgets the ones that expired). */
  add(request: CancelRequest): void {
    const now = this.#monotonic();
    for (const [key, { at }] of this.#requests) {
      if (now - at > this.#ttl) this.#requests.delete(key);
    }
    this.#requests.set(request._id.toHexString(), { request, at: now });
  }

  /** The request kept for this claim of `job`, removed; `undefined` when there is none. */
  take(job: Job): CancelRequest | undefined {
    const key = job._id.toHexString();
    const kept = this.#requests.get(key);
    if (kept === undefined) return undefined;
    const { lockedAt } = kept.request;
    if (lockedAt !== null && lockedAt.getTime() !== job.lockedAt?.getTime()) return undefined;
    this.#requests.delete(key);
    return kept.request;
  }
}
