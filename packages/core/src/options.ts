import { randomUUID } from 'node:crypto';
import { InvalidArgumentError } from './errors.js';
import {
  DEFAULT_RETENTION,
  type RetentionOptions,
  resolveRetention,
} from './processing/retention.js';
import {
  assertIntegerInRange,
  assertPositiveDuration,
  MAX_TIMER_DELAY,
} from './validation/numbers.js';

/**
 * The largest document MongoDB stores (16 MiB), and so the largest allowed `maxPayloadSize`.
 *
 * @example
 * ```ts
 * new Monque(db, { maxPayloadSize: MAX_BSON_DOCUMENT_SIZE / 4 });
 * ```
 */
export const MAX_BSON_DOCUMENT_SIZE = 16 * 1024 * 1024;

/**
 * Options of a Monque instance. All are optional; durations are in milliseconds. Unknown keys
 * are rejected (so a typo such as `pollIntreval` fails loudly instead of being ignored).
 *
 * @example
 * ```ts
 * const monque = new Monque(db, { collectionName: 'jobs', defaultConcurrency: 2, maxRetries: 5 });
 * ```
 */
export interface MonqueOptions {
  /**
   * The jobs collection. A non-empty string without `$` or NUL that does not start with
   * `system.`. Default `'monque_jobs'`.
   *
   * @example
   * ```ts
   * new Monque(db, { collectionName: 'billing_jobs' });
   * ```
   */
  collectionName?: string;
  /**
   * How often to look for due jobs when change streams are unavailable (ms, > 0, ≤ 2^31 − 1).
   * Default `1000`.
   *
   * @example
   * ```ts
   * new Monque(db, { pollInterval: 250 });
   * ```
   */
  pollInterval?: number;
  /**
   * How often to look for due jobs while change streams deliver notifications, as a safety net
   * (ms, > 0, ≤ 2^31 − 1). Default `10000`.
   *
   * @example
   * ```ts
   * new Monque(db, { backupPollInterval: 30_000 });
   * ```
   */
  backupPollInterval?: number;
  /**
   * The number of failures after which a job is marked `failed` (integer ≥ 0): a job is failed
   * once its `failCount` reaches `maxRetries`, and retried with backoff before that. So a job runs
   * at most `maxRetries` times; with `1` (or `0`) its first failure is final. A recurring job is
   * not given up: its final failure is recorded (`failReason`) and it goes on at its next
   * occurrence with `failCount` 0. Default `10`.
   *
   * @example
   * ```ts
   * new Monque(db, { maxRetries: 3 }); // 3 attempts: the third failure is final
   * new Monque(db, { maxRetries: 1 }); // never retry
   * ```
   */
  maxRetries?: number;
  /**
   * The unit of the exponential backoff: retry n waits `2^n × baseRetryInterval` (ms, > 0).
   * Default `1000`.
   *
   * @example
   * ```ts
   * new Monque(db, { baseRetryInterval: 5_000 });
   * ```
   */
  baseRetryInterval?: number;
  /**
   * The longest wait between retries (ms, > 0). Default 24 hours.
   *
   * @example
   * ```ts
   * new Monque(db, { maxBackoffDelay: 60 * 60 * 1000 }); // at most an hour
   * ```
   */
  maxBackoffDelay?: number;
  /**
   * How long `stop()` waits for running jobs (ms, > 0, ≤ 2^31 − 1). Jobs still running then have
   * their handlers' signals aborted and are released back to pending; a `job:error` event carries
   * a `ShutdownTimeoutError` listing them, and `stop()` resolves (it does not throw).
   * Default `30000`.
   *
   * @example
   * ```ts
   * new Monque(db, { shutdownTimeout: 10_000 });
   * ```
   */
  shutdownTimeout?: number;
  /**
   * How long a handler whose `signal` was aborted by its job's `timeout` or by a cancel gets to
   * settle before its attempt is written anyway — failed (`JobTimeoutError`, normal retry rules)
   * or cancelled (ms, > 0, ≤ 2^31 − 1). Meanwhile the job stays claimed and heartbeated, so its
   * retry cannot start beside it. A handler that has not settled by then keeps its slot until it
   * does, and what it returns or throws is discarded. Default `1000`: ample for a handler that
   * passes its signal on (an aborted `fetch` or driver call rejects at once), short enough not to
   * hold a retry back.
   *
   * @example
   * ```ts
   * new Monque(db, { abortGracePeriod: 5_000 }); // handlers roll back before they stop
   * ```
   */
  abortGracePeriod?: number;
  /**
   * How many jobs of one name a worker runs at once unless `worker()` says otherwise
   * (integer ≥ 1). Default `5`.
   *
   * @example
   * ```ts
   * new Monque(db, { defaultConcurrency: 1 });
   * ```
   */
  defaultConcurrency?: number;
  /**
   * How many jobs this instance runs at once across all workers (integer ≥ 1), or `undefined`
   * for no instance-wide limit. A worker's own concurrency above it is simply capped by it.
   * Default `undefined`.
   *
   * @example
   * ```ts
   * new Monque(db, { maxConcurrency: 20 });
   * ```
   */
  maxConcurrency?: number;
  /**
   * How often a running job's claim is confirmed (ms, > 0, ≤ 2^31 − 1). With a `lockTimeout`
   * below 3 × `heartbeatInterval`, claims are confirmed more often, every
   * (`lockTimeout` − `heartbeatInterval`) / 2, so that each lands well within the job's lease.
   * Default `10000`.
   *
   * @example
   * ```ts
   * new Monque(db, { heartbeatInterval: 5_000, lockTimeout: 15_000 });
   * ```
   */
  heartbeatInterval?: number;
  /**
   * How long a claimed job may go without a heartbeat before this instance takes it over
   * (ms). Must be at least `2 × heartbeatInterval`, so that one late heartbeat of a live worker
   * does not let another instance take its job while it still runs. A job is also never taken
   * over before twice the heartbeat interval of the instance that claimed it (stored on the job),
   * so instances with different settings do not take over each other's live jobs. Staleness is
   * judged on the database server's clock, which also stamps the heartbeats, so the instances'
   * own clocks need not agree.
   *
   * An instance whose heartbeats for a job cannot be confirmed for `lockTimeout − heartbeatInterval`
   * (errors, or the job is no longer held by it) gives the job up first: it aborts the handler's
   * `signal` with a `JobOwnershipLostError` and writes nothing, so a handler that honours its
   * signal stops at least one `heartbeatInterval` before another instance may take the job over
   * (when the instances share one `lockTimeout`). Default `30000`.
   *
   * @example
   * ```ts
   * new Monque(db, { lockTimeout: 60_000 });
   * ```
   */
  lockTimeout?: number;
  /**
   * How many times in a row a job may be taken over (its claim went stale: the instance running it
   * died, was killed, or stopped sending heartbeats) and still be run again (integer ≥ 0). A job
   * taken over more often is failed, without running, by the next instance that claims it: a
   * `job:fail` event with `willRetry: false` carries a `TakeoverLimitError` and the job's
   * `failReason` says how many takeovers there were. The count (`takeoverCount` on the job) starts
   * again whenever a run ends with an outcome. With `0`, the first takeover is final.
   *
   * Default `2`: a job whose every run takes its process down (out of memory, a blocked event
   * loop) runs at most 3 times and takes down at most 3 instances, while a job that was only
   * unlucky — its instance was killed in a deploy, lost its node, or was taken down by another
   * job — survives two such events in a row. BullMQ's `maxStalledCount` defaults to 1; Monque
   * allows one more because the jobs that merely ran beside a poison job on the instance it killed
   * are counted too, and are often claimed together with it again.
   *
   * @example
   * ```ts
   * new Monque(db, { maxTakeovers: 5 }); // tolerate more crashes before giving a job up
   * ```
   */
  maxTakeovers?: number;
  /**
   * Whether this instance takes over jobs whose claim went stale (boolean). Default `true`.
   *
   * @example
   * ```ts
   * new Monque(db, { recoverStaleJobs: false });
   * ```
   */
  recoverStaleJobs?: boolean;
  /**
   * The identity this instance claims jobs under (a non-empty string of at most 255
   * characters). Must be unique per running instance. Default: a random UUID.
   *
   * @example
   * ```ts
   * import { hostname } from 'node:os';
   *
   * new Monque(db, { schedulerInstanceId: `${hostname()}-${process.pid}` });
   * ```
   */
  schedulerInstanceId?: string;
  /**
   * The largest BSON-encoded job payload accepted, in bytes (integer from 1 to 16 MiB).
   * Default 16 MiB.
   *
   * @example
   * ```ts
   * new Monque(db, { maxPayloadSize: 64 * 1024 });
   * ```
   */
  maxPayloadSize?: number;
  /**
   * How long finished one-off jobs are kept before MongoDB deletes them, per final status (ms, ≥ 0,
   * or `false` to keep them for ever): the write that finishes a job sets its `expireAt`, and a TTL
   * index deletes it after then. MongoDB's TTL monitor runs every 60 s, so a job may stay up to
   * about a minute longer. Recurring jobs are never deleted. A worker can have its own
   * (`worker(name, handler, { retention })`). Default `{ completed: 7 days, failed: 30 days,
   * cancelled: 30 days }`.
   *
   * @example
   * ```ts
   * new Monque(db, { retention: { completed: 24 * 60 * 60 * 1000, failed: false } });
   * ```
   */
  retention?: RetentionOptions;
  /**
   * The largest BSON-encoded handler result stored as a job's `result`, in bytes (integer from 1
   * to 16 MiB). A handler that returns more fails its run for good with a `JobResultError`.
   * Default 1 MiB.
   *
   * @example
   * ```ts
   * new Monque(db, { maxResultSize: 16 * 1024 });
   * ```
   */
  maxResultSize?: number;
  /**
   * How long one database round trip of the scheduler may take before it fails with a
   * `RoundTripTimeoutError` naming the operation (ms, > 0, ≤ 2^31 − 1): claims, heartbeats,
   * stale takeovers, look-ups of due jobs, outcome writes, hand-backs of claim rounds, and the
   * server-version check of `initialize()`. It guards against a half-open connection or a server
   * that went away mid-command; the operation is given up (not cancelled) and tried again as
   * after any connection problem. Index builds are not bounded by it (on a large collection the
   * first `initialize()` waits for them), nor are your own calls such as `enqueue` (the driver's
   * timeouts apply). Default: `max(2 × heartbeatInterval, 5 s)`, 20 s with the default
   * `heartbeatInterval`.
   *
   * @example
   * ```ts
   * new Monque(db, { roundTripTimeout: 60_000 }); // a slow network: wait up to a minute
   * ```
   */
  roundTripTimeout?: number;
}

/**
 * {@link MonqueOptions} after {@link resolveMonqueOptions}: validated, defaults applied, frozen.
 * Every option has a value except `maxConcurrency`, which is `undefined` when unlimited.
 *
 * @example
 * ```ts
 * const options: ResolvedMonqueOptions = resolveMonqueOptions({ pollInterval: 500 });
 * options.maxRetries; // 10
 * ```
 */
export type ResolvedMonqueOptions = Readonly<
  Required<Omit<MonqueOptions, 'maxConcurrency' | 'retention'>> & {
    maxConcurrency: number | undefined;
    retention: Readonly<Required<RetentionOptions>>;
  }
>;

const HOUR = 60 * 60 * 1000;

/** The shortest default `roundTripTimeout` (ms); otherwise twice the heartbeat interval. */
const MIN_DEFAULT_ROUND_TRIP_TIMEOUT = 5000;

/** The default `roundTripTimeout` for a heartbeat interval: max(2 × heartbeatInterval, 5 s). */
function defaultRoundTripTimeout(heartbeatInterval: number): number {
  return Math.max(2 * heartbeatInterval, MIN_DEFAULT_ROUND_TRIP_TIMEOUT);
}

const DEFAULTS = {
  collectionName: 'monque_jobs',
  pollInterval: 1000,
  backupPollInterval: 10_000,
  maxRetries: 10,
  baseRetryInterval: 1000,
  maxBackoffDelay: 24 * HOUR,
  shutdownTimeout: 30_000,
  abortGracePeriod: 1000,
  defaultConcurrency: 5,
  maxConcurrency: undefined,
  heartbeatInterval: 10_000,
  lockTimeout: 30_000,
  maxTakeovers: 2,
  recoverStaleJobs: true,
  maxPayloadSize: MAX_BSON_DOCUMENT_SIZE,
  retention: DEFAULT_RETENTION,
  maxResultSize: 1024 * 1024,
} as const satisfies Omit<ResolvedMonqueOptions, 'schedulerInstanceId' | 'roundTripTimeout'>;

function assertCollectionName(argument: string, value: unknown): void {
  if (
    typeof value !== 'string' ||
    value.length === 0 ||
    value.includes('$') ||
    value.includes('\0') ||
    value.startsWith('system.')
  ) {
    throw new InvalidArgumentError(
      argument,
      "must be a non-empty string without '$' or NUL that does not start with 'system.'",
      value,
    );
  }
}

function assertInstanceId(argument: string, value: unknown): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > 255) {
    throw new InvalidArgumentError(argument, 'must be a string of 1 to 255 characters', value);
  }
}

function assertBoolean(argument: string, value: unknown): void {
  if (typeof value !== 'boolean') {
    throw new InvalidArgumentError(argument, 'must be true or false', value);
  }
}

const timer = (argument: string, value: unknown) =>
  assertPositiveDuration(argument, value, MAX_TIMER_DELAY);
const duration = (argument: string, value: unknown) => assertPositiveDuration(argument, value);
const count = (min: number, max?: number) => (argument: string, value: unknown) =>
  assertIntegerInRange(argument, value, min, max);

const VALIDATORS: { readonly [K in keyof MonqueOptions]-?: (arg: string, value: unknown) => void } =
  {
    collectionName: assertCollectionName,
    pollInterval: timer,
    backupPollInterval: timer,
    maxRetries: count(0),
    baseRetryInterval: duration,
    maxBackoffDelay: duration,
    shutdownTimeout: timer,
    abortGracePeriod: timer,
    defaultConcurrency: count(1),
    maxConcurrency: count(1),
    heartbeatInterval: timer,
    lockTimeout: duration,
    maxTakeovers: count(0),
    recoverStaleJobs: assertBoolean,
    schedulerInstanceId: assertInstanceId,
    maxPayloadSize: count(1, MAX_BSON_DOCUMENT_SIZE),
    roundTripTimeout: timer,
    retention: (argument, value) => {
      resolveRetention(value, argument, DEFAULT_RETENTION);
    },
    maxResultSize: count(1, MAX_BSON_DOCUMENT_SIZE),
  };

const KNOWN_OPTIONS = Object.keys(VALIDATORS);

function isOptionName(key: string): key is keyof MonqueOptions {
  return Object.hasOwn(VALIDATORS, key);
}

/**
 * Validates Monque's options and fills in the defaults. An option set to `undefined` takes its
 * default. Throws before anything touches the database.
 *
 * @param options - The options as given to the constructor, or `undefined`.
 * @returns A frozen object with every option resolved.
 * @throws InvalidArgumentError (with `argument` such as `'options.pollInterval'`) for a value that
 * breaks its rule, an unknown option key, a non-object `options`, or a `lockTimeout` below
 * `2 × heartbeatInterval`.
 *
 * @example
 * ```ts
 * const resolved = resolveMonqueOptions({ heartbeatInterval: 5_000, lockTimeout: 20_000 });
 * resolved.pollInterval; // 1000
 * resolveMonqueOptions({ pollIntreval: 5 } as MonqueOptions); // throws: not a Monque option
 * ```
 */
export function resolveMonqueOptions(options?: MonqueOptions): ResolvedMonqueOptions {
  if (options === undefined) {
    return Object.freeze({
      ...DEFAULTS,
      schedulerInstanceId: randomUUID(),
      roundTripTimeout: defaultRoundTripTimeout(DEFAULTS.heartbeatInterval),
    });
  }
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidArgumentError('options', 'must be an object or undefined', options);
  }
  const given: Partial<Record<keyof MonqueOptions, unknown>> = {};
  for (const [key, value] of Object.entries(options)) {
    if (!isOptionName(key)) {
      throw new InvalidArgumentError(
        `options.${key}`,
        `is not a Monque option (known options: ${KNOWN_OPTIONS.join(', ')})`,
        value,
      );
    }
    if (value !== undefined) {
      VALIDATORS[key](`options.${key}`, value);
      given[key] = value;
    }
  }
  const { retention, ...rest } = given as Partial<MonqueOptions>;
  const heartbeatInterval = rest.heartbeatInterval ?? DEFAULTS.heartbeatInterval;
  const resolved = {
    ...DEFAULTS,
    schedulerInstanceId: randomUUID(),
    roundTripTimeout: defaultRoundTripTimeout(heartbeatInterval),
    ...rest,
    retention: resolveRetention(retention, 'options.retention', DEFAULT_RETENTION),
  };
  if (resolved.lockTimeout < 2 * resolved.heartbeatInterval) {
    throw new InvalidArgumentError(
      'options.lockTimeout',
      `must be at least 2 × heartbeatInterval (${2 * resolved.heartbeatInterval} ms), because a ` +
        'shorter lock lets another instance take over a job whose live worker sent its ' +
        'heartbeat a little late',
      resolved.lockTimeout,
    );
  }
  return Object.freeze(resolved);
}
