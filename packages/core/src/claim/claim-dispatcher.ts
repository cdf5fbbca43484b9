import type { JobDocument } from '../jobs/job.js';
import type { WorkerRegistry } from '../workers/worker-registry.js';
import { type ClaimBatch, MAX_CLAIM_BATCH } from './claim-job.js';
import { ClaimedAhead } from './claimed-ahead.js';

/** What a {@link ClaimDispatcher} needs from its instance. */
export interface ClaimDispatcherOptions {
  readonly registry: WorkerRegistry;
  /** Claims up to `limit` due jobs of `name` (one claim round). */
  readonly claim: (name: string, limit: number) => Promise<ClaimBatch>;
  /**
   * Starts a claimed job in the slot taken for it. Returns `false` when it did not start it (a
   * job claimed ahead whose lease ran out while it waited): its slot is then given back.
   */
  readonly start: (job: JobDocument) => boolean;
  /**
   * How many claimed jobs of `name` may wait for a free slot (0: claim only for free slots).
   * While the name is wanted, each claim round tops them up.
   */
  readonly aheadLimit: (name: string) => number;
  /** Reports a claim that failed (database error) or a foreign document. */
  readonly onError: (error: unknown) => void;
}

/**
 * Decides when to claim. A job name is *wanted* when due jobs may exist for it (a notification,
 * a poll, a successful claim); while it is wanted and its worker has free slots, or room for jobs
 * claimed ahead, one claim loop per name claims rounds of jobs, each round for all the free slots
 * plus the room ahead (at most {@link MAX_CLAIM_BATCH}). Notifications while a round is on its
 * way leave the name wanted, so they make one more round, not one each. A round that sees no
 * more due jobs clears the wish. The slots are taken before the claim is sent, so concurrency
 * limits hold without any extra round trip; the jobs beyond the free slots wait, claimed, in
 * {@link ClaimedAhead} and take the next slots freed — at once, without a round trip — so slots
 * do not sit idle while a claim is on its way. A loop starts one macrotask after its trigger, so
 * the slots freed together (such as by one batched outcome write) are claimed in one round.
 */
export class ClaimDispatcher {
  readonly #options: ClaimDispatcherOptions;
  readonly #wanted = new Set<string>();
  readonly #loops = new Map<string, Promise<void>>();
  readonly #ahead = new ClaimedAhead();
  #active = false;

  constructor(options: ClaimDispatcherOptions) {
    this.#options = options;
  }

  /** Starts claiming for every wanted name. */
  activate(): void {
    this.#active = true;
    this.kick();
  }

  /**
   * Stops starting claims and jobs. Resolves once the claims already sent have returned (a job
   * they claimed is started as usual when a slot was taken for it; the others wait in
   * {@link takeClaimedAhead}).
   */
  async deactivate(): Promise<void> {
    this.#active = false;
    await Promise.all(this.#loops.values());
  }

  /** Marks `name` as wanted (due jobs may exist) and claims if a slot or room ahead is free. */
  request(name: string): void {
    if (!this.#options.registry.has(name)) {
      return;
    }
    this.#wanted.add(name);
    this.#startLoop(name);
  }

  /** Marks every registered name as wanted. */
  requestAll(): void {
    for (const name of this.#options.registry.names) {
      this.request(name);
    }
  }

  /** Starts jobs claimed ahead in freed slots, and retries wanted names. */
  kick(): void {
    for (const name of this.#ahead.names) {
      this.#startAhead(name);
    }
    for (const name of this.#wanted) {
      this.#startLoop(name);
    }
  }

  /** The jobs claimed ahead of free slots (held, not started), for heartbeats. */
  get claimedAhead(): readonly JobDocument[] {
    return this.#ahead.jobs;
  }

  /** Drops jobs claimed ahead that this instance no longer holds (the heartbeat found them gone). */
  dropClaimedAhead(jobs: Iterable<JobDocument>): void {
    this.#ahead.remove(jobs);
  }

  /** Removes and returns every job claimed ahead, to hand back (on stop). */
  takeClaimedAhead(): JobDocument[] {
    return this.#ahead.takeAll();
  }

  #startLoop(name: string): void {
    if (!this.#active || this.#loops.has(name)) {
      return;
    }
    if (!this.#options.registry.hasFreeSlot(name) && this.#roomAhead(name) === 0) {
      return;
    }
    const loop = this.#loop(name).finally(() => {
      this.#loops.delete(name);
    });
    this.#loops.set(name, loop);
  }

  /** Room for jobs of `name` claimed ahead. */
  #roomAhead(name: string): number {
    return Math.max(0, this.#options.aheadLimit(name) - this.#ahead.count(name));
  }

  /** Starts waiting jobs of `name` while it has free slots. */
  #startAhead(name: string): void {
    const { registry } = this.#options;
    while (this.#active && this.#ahead.count(name) > 0 && registry.reserve(name, 1) === 1) {
      this.#startInSlot(this.#ahead.shift(name) as JobDocument);
    }
  }

  #startInSlot(job: JobDocument): void {
    if (!this.#options.start(job)) {
      this.#options.registry.release(job.name);
    }
  }

  async #loop(name: string): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    const { registry } = this.#options;
    while (this.#active) {
      this.#startAhead(name);
      if (!this.#wanted.has(name)) {
        return;
      }
      const slots = registry.reserve(name, MAX_CLAIM_BATCH);
      const limit = Math.min(slots + this.#roomAhead(name), MAX_CLAIM_BATCH);
      if (limit === 0) {
        return;
      }
      // Cleared before the claim is sent, so a notification during the claim is not lost.
      this.#wanted.delete(name);
      let batch: ClaimBatch;
      try {
        batch = await this.#options.claim(name, limit);
      } catch (error) {
        registry.release(name, slots);
        // Leave it wanted: the next poll, notification or freed slot retries.
        this.#wanted.add(name);
        this.#options.onError(error);
        return;
      }
      const starting = batch.jobs.slice(0, slots);
      for (const job of starting) {
        this.#startInSlot(job);
      }
      this.#ahead.add(name, batch.jobs.slice(slots));
      for (const error of batch.errors) {
        this.#options.onError(error);
      }
      if (batch.more) {
        this.#wanted.add(name);
      }
      const unused = slots - starting.length;
      if (unused > 0) {
        registry.release(name, unused);
        // The slots may be what another name was waiting for (instance-wide limit).
        this.kick();
      }
    }
  }
}
