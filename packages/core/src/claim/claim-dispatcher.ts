import type { JobDocument } from '../jobs/job.js';
import type { WorkerRegistry } from '../workers/worker-registry.js';
import type { ClaimResult } from './claim-job.js';

/** What a {@link ClaimDispatcher} needs from its instance. */
export interface ClaimDispatcherOptions {
  readonly registry: WorkerRegistry;
  /** Claims one due job of `name` (one database round trip). */
  readonly claim: (name: string) => Promise<ClaimResult>;
  /** Starts a claimed job; the slot taken for its claim now belongs to it. */
  readonly start: (job: JobDocument) => void;
  /** Reports a claim that failed (database error) or a foreign document. */
  readonly onError: (error: unknown) => void;
}

/**
 * Decides when to claim. A job name is *wanted* when due jobs may exist for it (a notification,
 * a poll, a successful claim); while it is wanted and its worker has a free slot, one claim loop
 * per name claims jobs one by one. A claim that finds nothing clears the wish. The slot is taken
 * before the claim is sent, so concurrency limits hold without any extra round trip.
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
    const { registry } = this.#options;
    while (this.#active && this.#wanted.has(name) && registry.tryReserve(name)) {
      // Cleared before the claim is sent, so a notification during the claim is not lost.
      this.#wanted.delete(name);
      let result: ClaimResult;
      try {
        result = await this.#options.claim(name);
      } catch (error) {
        registry.release(name);
        // Leave it wanted: the next poll, notification or freed slot retries.
        this.#wanted.add(name);
        this.#options.onError(error);
        return;
      }
      if (result.kind === 'job') {
        this.#wanted.add(name);
        this.#options.start(result.job);
        continue;
      }
      registry.release(name);
      if (result.kind === 'foreign') {
        this.#wanted.add(name);
        this.#options.onError(result.error);
      } else {
        // The slot may be what another name was waiting for (instance-wide limit).
        this.kick();
      }
    }
  }
}
