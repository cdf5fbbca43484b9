import { type ChangeStream, type Collection, type Document, ObjectId } from 'mongodb';
import { asMonqueError } from '../classify-error.js';
import type { JobDocument } from '../jobs/job.js';
import { JobStatus } from '../jobs/job-status.js';
import type { CancelRequest } from '../processing/cancel-requests.js';
import { toError } from '../processing/outcome.js';
import type { MonqueEvents } from '../runtime/safe-events.js';

/** A job that became pending: its name and when it is due. */
export interface PendingJobChange {
  readonly name: string;
  readonly nextRunAt: Date;
}

/** Where cancel requests for the jobs an instance holds are reported. */
export interface CancelRequestListener {
  /** The instance: requests for jobs it holds (`claimedBy`) pass the stream's pipeline. */
  readonly instanceId: string;
  /** A cancel was requested for a job this instance holds. */
  readonly onRequest: (request: CancelRequest) => void;
}

/** What a {@link ChangeStreamNotifier} needs from its instance. */
export interface ChangeStreamNotifierOptions {
  readonly collection: Collection<JobDocument>;
  readonly events: MonqueEvents;
  /** A job was inserted, or became pending, or got a new `nextRunAt`. */
  readonly onPendingJob: (change: PendingJobChange) => void;
  /** The server answered a new stream: changes from now on are seen (resynchronise). */
  readonly onConnected: () => void;
  /** The stream failed; a reconnect follows. */
  readonly onLost: () => void;
  /** Change streams are given up for now (too many failed reconnects) or for good (unsupported). */
  readonly onFallback: () => void;
  /** Where cancel requests for jobs this instance holds go; none are watched without it. */
  readonly cancelRequests?: CancelRequestListener;
  /** Reconnects after which the notifier falls back. Default 3. */
  readonly maxReconnects?: number;
  /** First reconnect delay in milliseconds; doubles with every failed attempt. Default 100. */
  readonly reconnectDelay?: number;
  /**
   * After a fallback, the first wait before the stream is opened again, in milliseconds; it
   * doubles with every failed attempt up to {@link MAX_STREAM_RECOVERY_DELAY}. Default 1000
   * (the instance passes its `pollInterval`).
   */
  readonly recoveryDelay?: number;
}

/** The longest wait between attempts to re-open the change stream after a fallback: 30 s. */
export const MAX_STREAM_RECOVERY_DELAY = 30_000;

/** MongoDB's answer to `$changeStream` on a server that is not a replica set member. */
export const CHANGE_STREAMS_UNSUPPORTED = 40573;

/**
 * Only the changes that can make a job claimable: inserts, replacements, and updates that set
 * `status: 'pending'` or change `nextRunAt`; reduced to the three fields the notifier reads.
 */
export const CHANGE_STREAM_PIPELINE: Document[] = [
  {
    $match: {
      $or: [
        { operationType: { $in: ['insert', 'replace'] } },
        { operationType: 'update', 'updateDescription.updatedFields.status': JobStatus.Pending },
        {
          operationType: 'update',
          'updateDescription.updatedFields.nextRunAt': { $exists: true },
        },
      ],
    },
  },
  {
    $project: {
      operationType: 1,
      'fullDocument.name': 1,
      'fullDocument.status': 1,
      'fullDocument.nextRunAt': 1,
    },
  },
];

/**
 * {@link CHANGE_STREAM_PIPELINE}, and also the cancel requests for jobs `instanceId` holds:
 * updates that set `cancelRequestedAt` to a date on a job whose `claimedBy` is this instance (read
 * from the looked-up document), with the fields a request needs (`_id`, `lockedAt`,
 * `repeatInterval`). Other instances' requests never reach this one.
 */
export function changeStreamPipeline(instanceId: string): Document[] {
  const [match, project] = CHANGE_STREAM_PIPELINE as [Document, Document];
  return [
    {
      $match: {
        $or: [
          ...(match.$match.$or as Document[]),
          {
            operationType: 'update',
            'updateDescription.updatedFields.cancelRequestedAt': { $type: 'date' },
            'fullDocument.claimedBy': instanceId,
          },
        ],
      },
    },
    {
      $project: {
        ...project.$project,
        'updateDescription.updatedFields.cancelRequestedAt': 1,
        'fullDocument._id': 1,
        'fullDocument.claimedBy': 1,
        'fullDocument.lockedAt': 1,
        'fullDocument.repeatInterval': 1,
      },
    },
  ];
}

interface ProjectedChange extends Document {
  fullDocument?: {
    _id?: unknown;
    name?: unknown;
    status?: unknown;
    nextRunAt?: unknown;
    claimedBy?: unknown;
    lockedAt?: unknown;
    repeatInterval?: unknown;
  } | null;
  updateDescription?: { updatedFields?: { cancelRequestedAt?: unknown } };
}

function errorCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
}

/**
 * Watches the jobs collection and reports jobs that became claimable — and, given a
 * `cancelRequests` listener, cancel requests for the jobs this instance holds. A stream counts as
 * connected only once the server has answered it (the first `aggregate` and `getMore`). On an
 * error it emits `changestream:error` and reconnects with exponential backoff; after
 * `maxReconnects` failed reconnects in a row it emits `changestream:fallback` (the instance
 * polls) and keeps trying to re-open the stream, first after `recoveryDelay`, doubling with
 * every failed attempt (each one a `changestream:error`), at most every 30 s, until one
 * succeeds (`changestream:connected`). On a server without change streams (code 40573) the
 * fallback is for good: no more attempts. A stream that failed is closed (its cursor killed)
 * before the next one is opened, so none is left behind.
 */
export class ChangeStreamNotifier {
  readonly #options: ChangeStreamNotifierOptions;
  readonly #maxReconnects: number;
  readonly #reconnectDelay: number;
  readonly #recoveryDelay: number;
  #stream: ChangeStream<Document, ProjectedChange> | undefined;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #failures = 0;
  /** Failed attempts to re-open the stream since the fallback; `undefined` when not fallen back. */
  #recoveryFailures: number | undefined;

  constructor(options: ChangeStreamNotifierOptions) {
    this.#options = options;
    this.#maxReconnects = options.maxReconnects ?? 3;
    this.#reconnectDelay = options.reconnectDelay ?? 100;
    this.#recoveryDelay = options.recoveryDelay ?? 1000;
  }

  /** Opens the stream. */
  start(): void {
    this.#failures = 0;
    this.#recoveryFailures = undefined;
    this.#connect();
  }

  /** Closes the stream (emits `changestream:closed` when one was open) and stops reconnecting. */
  async close(): Promise<void> {
    clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
    const stream = this.#stream;
    this.#stream = undefined;
    if (stream !== undefined) {
      await stream.close();
      this.#options.events.emit('changestream:closed');
    }
  }

  #connect(): void {
    const { cancelRequests } = this.#options;
    const stream = this.#options.collection.watch<Document, ProjectedChange>(
      cancelRequests === undefined
        ? CHANGE_STREAM_PIPELINE
        : changeStreamPipeline(cancelRequests.instanceId),
      { fullDocument: 'updateLookup' },
    );
    this.#stream = stream;
    void this.#consume(stream);
  }

  async #consume(stream: ChangeStream<Document, ProjectedChange>): Promise<void> {
    let connected = false;
    try {
      while (this.#stream === stream) {
        const change = await stream.tryNext();
        if (this.#stream !== stream) {
          return;
        }
        if (!connected) {
          connected = true;
          this.#failures = 0;
          this.#recoveryFailures = undefined;
          this.#options.events.emit('changestream:connected');
          this.#options.onConnected();
        }
        if (change !== null) {
          this.#handle(change);
        }
      }
    } catch (error) {
      if (this.#stream !== stream) {
        return;
      }
      this.#stream = undefined;
      this.#discard(stream);
      this.#failed(error, connected);
    }
  }

  /** Closes a stream that failed, in the background; a failure to close it is reported. */
  #discard(stream: ChangeStream<Document, ProjectedChange>): void {
    Promise.resolve()
      .then(() => stream.close())
      .catch((error: unknown) => {
        this.#options.events.error(asMonqueError(error, 'could not close a failed change stream'));
      });
  }

  #handle(change: ProjectedChange): void {
    const job = change.fullDocument;
    const { cancelRequests } = this.#options;
    if (
      cancelRequests !== undefined &&
      change.updateDescription?.updatedFields?.cancelRequestedAt instanceof Date &&
      job?._id instanceof ObjectId &&
      job.status === JobStatus.Processing &&
      job.claimedBy === cancelRequests.instanceId
    ) {
      cancelRequests.onRequest({
        _id: job._id,
        lockedAt: job.lockedAt instanceof Date ? job.lockedAt : null,
        repeatInterval: typeof job.repeatInterval === 'string' ? job.repeatInterval : null,
      });
      return;
    }
    if (
      job?.status === JobStatus.Pending &&
      typeof job.name === 'string' &&
      job.nextRunAt instanceof Date
    ) {
      this.#options.onPendingJob({ name: job.name, nextRunAt: job.nextRunAt });
    }
  }

  #failed(error: unknown, wasConnected: boolean): void {
    const { events } = this.#options;
    if (errorCode(error) === CHANGE_STREAMS_UNSUPPORTED) {
      // For good: such a server never offers change streams.
      this.#recoveryFailures = undefined;
      this.#fallBack(
        `change streams are not supported by this server (a replica set or sharded cluster is ` +
          `required): ${toError(error).message}`,
      );
      return;
    }
    if (wasConnected) {
      events.emit('changestream:closed');
    }
    events.emit('changestream:error', { error: toError(error) });
    if (this.#recoveryFailures !== undefined) {
      // An attempt to re-open the stream after the fallback failed: wait longer, try again.
      this.#recoveryFailures += 1;
      this.#scheduleRecovery(this.#recoveryFailures);
      return;
    }
    this.#failures += 1;
    if (this.#failures > this.#maxReconnects) {
      this.#fallBack(
        `the change stream failed ${this.#failures} times in a row (the last ` +
          `${this.#maxReconnects} reconnects failed): ${toError(error).message}; it is opened ` +
          'again on a backoff while Monque polls',
      );
      this.#recoveryFailures = 0;
      this.#scheduleRecovery(0);
      return;
    }
    this.#options.onLost();
    this.#reconnectAfter(this.#reconnectDelay * 2 ** (this.#failures - 1));
  }

  /** The next attempt to re-open the stream after `failed` failed ones since the fallback. */
  #scheduleRecovery(failed: number): void {
    this.#reconnectAfter(Math.min(this.#recoveryDelay * 2 ** failed, MAX_STREAM_RECOVERY_DELAY));
  }

  #reconnectAfter(delay: number): void {
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      this.#connect();
    }, delay);
  }

  #fallBack(reason: string): void {
    this.#options.events.emit('changestream:fallback', { reason });
    this.#options.onFallback();
  }
}
