import type { Collection } from 'mongodb';
import type { JobDocument } from '../jobs/job.js';
import { RepeatingTask } from '../runtime/repeating-task.js';
import type { MonqueEvents } from '../runtime/safe-events.js';
import {
  type CancelRequestListener,
  ChangeStreamNotifier,
  type PendingJobChange,
} from './change-stream-notifier.js';
import { WakeTimers } from './wake-timers.js';

/** What a {@link DueJobWatcher} needs from its instance. */
export interface DueJobWatcherOptions {
  readonly collection: Collection<JobDocument>;
  readonly events: MonqueEvents;
  readonly pollInterval: number;
  readonly backupPollInterval: number;
  readonly isRegistered: (name: string) => boolean;
  readonly names: () => readonly string[];
  /**
   * Due jobs of `name` may exist: claim. Called once per notification; the claim dispatcher
   * coalesces calls made while a claim of that name is on its way into one more claim.
   */
  readonly request: (name: string) => void;
  /** Due jobs of any name may exist: claim. */
  readonly requestAll: () => void;
  /** The earliest future `nextRunAt` of a pending job of `name`, or `null`. */
  readonly nextFutureRun: (name: string) => Promise<Date | null>;
  /** The earliest `nextRunAt` of a pending job of `name`, due or not, or `null`. */
  readonly nextPendingRun: (name: string) => Promise<Date | null>;
  readonly onError: (error: unknown) => void;
  /**
   * Where the change stream reports cancel requests for the jobs this instance holds; `onResync`
   * is called whenever a stream (re)connects, since requests made while none was open were not
   * seen. None are watched without it.
   */
  readonly cancelRequests?: CancelRequestListener & { readonly onResync: () => void };
  /** The time due jobs are compared with (the database's, as estimated). Default: this process's. */
  readonly now?: () => Date;
  /** Passed to the change stream notifier (tests shorten them). */
  readonly maxReconnects?: number;
  readonly reconnectDelay?: number;
}

/**
 * Tells the claim loop when jobs may be due. With a healthy change stream: inserted and re-pending
 * jobs trigger a claim at once (the claim dispatcher runs one claim per name at a time, and
 * notifications that arrive meanwhile make one more), jobs due later arm a timer
 * for their time, and a backup poll runs every `backupPollInterval` — one query per job name for
 * its earliest pending job, which claims when that job is due and arms its timer otherwise (so an
 * idle instance sends one empty query per name and interval). Without one (unsupported,
 * failing, reconnecting): a poll every `pollInterval`. After a fallback the notifier keeps trying
 * to re-open the stream (first after `pollInterval`, doubling, at most every 30 s); once it is
 * back, polling returns to `backupPollInterval`.
 */
export class DueJobWatcher {
  readonly #options: DueJobWatcherOptions;
  readonly #notifier: ChangeStreamNotifier;
  readonly #poller: RepeatingTask;
  readonly #wakeTimers: WakeTimers;
  /** Look-ups of the next future run on their way (awaited by `stop()`). */
  readonly #lookups = new Set<Promise<void>>();
  #streaming = false;
  readonly #now: () => Date;

  constructor(options: DueJobWatcherOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
    this.#wakeTimers = new WakeTimers((name) => {
      options.request(name);
      this.#armNext(name);
    }, this.#now);
    this.#poller = new RepeatingTask({
      interval: options.pollInterval,
      run: () => this.#poll(),
      onError: options.onError,
    });
    this.#notifier = new ChangeStreamNotifier({
      collection: options.collection,
      events: options.events,
      maxReconnects: options.maxReconnects,
      reconnectDelay: options.reconnectDelay,
      recoveryDelay: options.pollInterval,
      cancelRequests: options.cancelRequests,
      onPendingJob: (change) => this.#onPendingJob(change),
      onConnected: () => {
        this.#streaming = true;
        this.#poller.setInterval(options.backupPollInterval);
        options.requestAll();
        this.#armAll();
        options.cancelRequests?.onResync();
      },
      onLost: () => this.#degrade(),
      onFallback: () => this.#degrade(),
    });
  }

  /**
   * Whether a change stream is open and answering: then it reports new jobs and cancel requests;
   * otherwise the instance polls for both.
   */
  get streaming(): boolean {
    return this.#streaming;
  }

  /** Opens the change stream and starts polling (at `pollInterval` until the stream answers). */
  start(): void {
    this.#streaming = false;
    this.#poller.setInterval(this.#options.pollInterval);
    this.#poller.start();
    this.#notifier.start();
  }

  /** Stops polling, timers and the change stream; resolves once no look-up is on its way. */
  async stop(): Promise<void> {
    this.#streaming = false;
    this.#wakeTimers.clear();
    await Promise.all([this.#poller.stop(), this.#notifier.close(), ...this.#lookups]);
  }

  /** A worker was registered while running: claim its due jobs and watch its future ones. */
  watchName(name: string): void {
    this.#options.request(name);
    this.#armNext(name);
  }

  async #poll(): Promise<void> {
    if (!this.#streaming) {
      // The claims are the poll.
      this.#options.requestAll();
      return;
    }
    await Promise.all(this.#options.names().map((name) => this.#backupPoll(name)));
  }

  /** Claims `name` when its earliest pending job is due; otherwise wakes for it. */
  async #backupPoll(name: string): Promise<void> {
    const at = await this.#options.nextPendingRun(name);
    if (at === null || !this.#streaming) {
      return;
    }
    if (at.getTime() <= this.#now().getTime()) {
      this.#options.request(name);
      this.#armNext(name);
    } else {
      this.#wakeTimers.arm(name, at);
    }
  }

  #degrade(): void {
    this.#streaming = false;
    this.#wakeTimers.clear();
    this.#poller.setInterval(this.#options.pollInterval);
  }

  #onPendingJob({ name, nextRunAt }: PendingJobChange): void {
    if (!this.#options.isRegistered(name)) {
      return;
    }
    if (nextRunAt.getTime() <= this.#now().getTime()) {
      this.#options.request(name);
    } else {
      this.#wakeTimers.arm(name, nextRunAt);
    }
  }

  #armAll(): void {
    for (const name of this.#options.names()) {
      this.#armNext(name);
    }
  }

  /** Looks up the next future run of `name` and arms its timer (only while streaming). */
  #armNext(name: string): void {
    if (!this.#streaming) {
      return;
    }
    const lookup = this.#options.nextFutureRun(name).then((at) => {
      if (at !== null && this.#streaming) {
        this.#wakeTimers.arm(name, at);
      }
    }, this.#options.onError);
    this.#lookups.add(lookup);
    void lookup.finally(() => this.#lookups.delete(lookup));
  }
}
