import type { ChangeStream, Collection } from 'mongodb';
import { CHANGE_STREAMS_UNSUPPORTED } from '../notify/change-stream-notifier.js';
import { RepeatingTask } from '../runtime/repeating-task.js';
import type { ControlDocument } from './control-collection.js';

/** What a {@link ControlWatcher} needs from its instance. */
export interface ControlWatcherOptions {
  readonly collection: Collection<ControlDocument>;
  /** How often to read the control collection while no change stream answers, in ms. */
  readonly pollInterval: number;
  /** How often to read it while a change stream is open (a safety net), in ms. */
  readonly backupPollInterval: number;
  /** Reads the control collection and applies what it holds. */
  readonly reload: () => Promise<void>;
  readonly onError: (error: unknown) => void;
}

function errorCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
}

/**
 * Keeps an instance's view of the control collection (pauses) current: a change stream on the
 * collection triggers a read at every change, so a pause reaches every instance as soon as the
 * change is seen; while no stream answers (unsupported, failing), the collection is read every
 * `pollInterval`, and a new stream is tried at each such read (none on a server without change
 * streams). With a stream open it is still read every `backupPollInterval`. Reads triggered
 * while one is on its way are coalesced into one more read.
 */
export class ControlWatcher {
  readonly #options: ControlWatcherOptions;
  readonly #poller: RepeatingTask;
  #stream: ChangeStream<ControlDocument> | undefined;
  #streaming = false;
  #unsupported = false;
  /** Whether the last stream failure was reported (one report per run of failures). */
  #reported = false;
  #reading: Promise<void> | undefined;
  #readAgain = false;
  #running = false;

  constructor(options: ControlWatcherOptions) {
    this.#options = options;
    this.#poller = new RepeatingTask({
      interval: options.pollInterval,
      run: async () => {
        if (!this.#streaming && this.#stream === undefined && !this.#unsupported) this.#open();
        await this.read();
      },
      onError: options.onError,
    });
  }

  /** Whether a change stream on the control collection is open and answering. */
  get streaming(): boolean {
    return this.#streaming;
  }

  /** Opens the change stream and starts the polls. */
  start(): void {
    this.#running = true;
    this.#poller.setInterval(this.#options.pollInterval);
    this.#poller.start();
    this.#open();
  }

  /** Closes the stream and stops the polls; resolves once no read is on its way. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#streaming = false;
    const stream = this.#stream;
    this.#stream = undefined;
    await Promise.all([this.#poller.stop(), stream?.close(), this.#reading]);
  }

  /** Reads the control collection now (once more after a read already on its way). */
  read(): Promise<void> {
    if (this.#reading !== undefined) {
      this.#readAgain = true;
      return this.#reading;
    }
    const reading = (async () => {
      do {
        this.#readAgain = false;
        await this.#options.reload();
      } while (this.#readAgain && this.#running);
    })().finally(() => {
      this.#reading = undefined;
    });
    this.#reading = reading;
    return reading;
  }

  #open(): void {
    const stream = this.#options.collection.watch<ControlDocument>([], {});
    this.#stream = stream;
    void this.#consume(stream);
  }

  async #consume(stream: ChangeStream<ControlDocument>): Promise<void> {
    try {
      while (this.#stream === stream) {
        const change = await stream.tryNext();
        if (this.#stream !== stream) return;
        if (!this.#streaming) {
          // Changes from now on are seen: read what happened before.
          this.#streaming = true;
          this.#reported = false;
          this.#poller.setInterval(this.#options.backupPollInterval);
          this.#readInBackground();
        } else if (change !== null) {
          this.#readInBackground();
        }
      }
    } catch (error) {
      if (this.#stream !== stream) return;
      this.#stream = undefined;
      this.#streaming = false;
      this.#poller.setInterval(this.#options.pollInterval);
      stream.close().catch(this.#options.onError);
      if (errorCode(error) === CHANGE_STREAMS_UNSUPPORTED) {
        this.#unsupported = true;
        return;
      }
      if (!this.#reported) {
        this.#reported = true;
        this.#options.onError(error);
      }
    }
  }

  #readInBackground(): void {
    this.read().catch(this.#options.onError);
  }
}
