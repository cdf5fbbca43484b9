import type { JobDocument } from '../jobs/job.js';
import type { WorkerRegistry } from '../workers/worker-registry.js';
import { type ClaimBatch, MAX_CLAIM_BATCH } from './claim-job.js';

/** What a {@link ClaimDispatcher} needs from its instance. */
export interface ClaimDispatcherOptions {
  readonly registry: WorkerRegistry;
  /** Claims up to `limit` due jobs of `name` (one claim round). */
  readonly claim: (name: string, limit: number) => Promise<ClaimBatch>;
  /** Starts a claimed job; the slot taken for its claim now belongs to it. */
  readonly start: (job: JobDocument) => void;
  /** Reports a claim that failed (database error) or a foreign document. */
  readonly onError: (error: unknown) => void;
}

/**
 * Decides when to claim. A job name is *wanted* when due jobs may exist for it (a notification,
 * a poll, a successful claim); while it is wanted and its worker has free slots, one claim loop
 * per name claims rounds of jobs, each round for all the free slots (at most
 * {@link MAX_CLAIM_BATCH}). A round that sees no more due jobs clears the wish. The slots are
 * taken before the claim is sent, so concurrency limits hold without any extra round trip. A
 * loop starts one macrotask after its trigger, so the slots freed together (such as by one
 * batched outcome write) are claimed in one round.
 */
export class ClaimDispatcher {
  readonly #options: ClaimDispatcherOptions;
  readonly #wanted = new Set<string>();
  readonly #loops = new Map<string, Promise<void>>();
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
   * Stops starting claims. Resolves once the claims already sent have returned (a job they
   * claimed is started as usual).
   */
  async deactivate(): Promise<void> {
    this.#active = false;
    await Promise.all(this.#loops.values());
  }

  /** Marks `name` as wanted (due jobs may exist) and claims if a slot is free. */
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

  /** Retries wanted names after a slot was freed. */
  kick(): void {
    for (const name of this.#wanted) {
      this.#startLoop(name);
    }
  }

  #startLoop(name: string): void {
    if (!this.#active || this.#loops.has(name) || !this.#options.registry.hasFreeSlot(name)) {
      return;
    }
    const loop = this.#loop(name).finally(() => {
      this.#loops.delete(name);
    });
    this.#loops.set(name, loop);
  }

  async #loop(name: string): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    const { registry } = this.#options;
    while (this.#active && this.#wanted.has(name)) {
      const slots = registry.reserve(name, MAX_CLAIM_BATCH);
      if (slots === 0) {
        return;
      }
      // Cleared before the claim is sent, so a notification during the claim is not lost.
      this.#wanted.delete(name);
      let batch: ClaimBatch;
      try {
        batch = await this.#options.claim(name, slots);
      } catch (error) {
        registry.release(name, slots);
        // Leave it wanted: the next poll, notification or freed slot retries.
        this.#wanted.add(name);
        this.#options.onError(error);
        return;
      }
      for (const job of batch.jobs) {
        this.#options.start(job);
      }
      for (const error of batch.errors) {
        this.#options.onError(error);
      }
      if (batch.more) {
        this.#wanted.add(name);
      }
      const unused = slots - batch.jobs.length;
      if (unused > 0) {
        registry.release(name, unused);
        // The slots may be what another name was waiting for (instance-wide limit).
        this.kick();
      }
    }
  }
}
