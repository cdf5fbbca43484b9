import type { ClientSession, Db } from 'mongodb';
import { InvalidArgumentError } from '../errors.js';

/**
 * The `session` option of the methods that write jobs (`enqueue`, `enqueueMany`, `now`,
 * `schedule` and the management writes): every write of the call runs in this driver session,
 * and so in its transaction when one is started — the job is then written, and seen by workers
 * and change streams, only when that transaction commits (and never when it aborts).
 *
 * The session must come from the client of the `Db` given to Monque, and must not have ended.
 * Indexes are never created inside it: the first call of an instance runs `initialize()` outside
 * the session (call `initialize()` at start-up so that no transaction waits for it). Inside a
 * transaction, an error labelled `TransientTransactionError` (such as a `WriteConflict` with a
 * concurrent transaction that enqueued the same `uniqueKey`) is rethrown as the driver's error,
 * so that `session.withTransaction()` runs the transaction again; see the "Enqueue in a
 * transaction" guide. The events of a management write (such as `job:cancelled`) are emitted when
 * the call returns, before the transaction commits: when it aborts, what they tell did not
 * happen.
 *
 * @example
 * ```ts
 * await client.withSession((session) =>
 *   session.withTransaction(async () => {
 *     await orders.insertOne({ _id: orderId, total: 42 }, { session });
 *     await monque.enqueue('invoice', { orderId }, { session } satisfies SessionOptions);
 *   }),
 * );
 * ```
 */
export interface SessionOptions {
  /** The driver session the call's writes run in (see {@link SessionOptions}). Default: none. */
  readonly session?: ClientSession;
}

/**
 * Whether a value is a driver `ClientSession`: an instance of a class of that name (an
 * application's own copy of the driver is recognised too), as the driver's own check would.
 */
function isClientSession(value: unknown): value is ClientSession {
  if (typeof value !== 'object' || value === null) return false;
  for (
    let proto = Object.getPrototypeOf(value);
    proto !== null;
    proto = Object.getPrototypeOf(proto)
  ) {
    if ((proto as { constructor?: { name?: unknown } }).constructor?.name === 'ClientSession') {
      return true;
    }
  }
  return false;
}

/**
 * Checks a `session` option: `undefined`, or a `ClientSession` of `db`'s client that has not
 * ended. Nothing is sent.
 *
 * @throws InvalidArgumentError naming `argument`.
 */
export function assertSession(
  value: unknown,
  db: Db,
  argument = 'options.session',
): ClientSession | undefined {
  if (value === undefined) return undefined;
  if (!isClientSession(value)) {
    throw new InvalidArgumentError(
      argument,
      'must be a ClientSession (client.startSession()) or undefined',
      value,
    );
  }
  if (value.hasEnded) {
    throw new InvalidArgumentError(argument, 'must not have ended', value);
  }
  // As the driver checks at every operation (`client` of a Db wrapped by the application may be
  // missing: then the driver's check alone applies).
  const client = (db as { client?: unknown }).client;
  if (client !== undefined && (value as unknown as { client?: unknown }).client !== client) {
    throw new InvalidArgumentError(
      argument,
      "must be a session of the client of Monque's Db (the same MongoClient)",
      value,
    );
  }
  return value;
}

/**
 * Takes the `session` option out of a method's options: the checked session, and the other
 * options to read as before (`options` itself when it has no `session` key or is not an object,
 * so that the method's own checks report it).
 *
 * @throws InvalidArgumentError for a bad session (see {@link assertSession}).
 */
export function takeSession(
  options: unknown,
  db: Db,
  argument = 'options',
): { session: ClientSession | undefined; rest: unknown } {
  if (
    typeof options !== 'object' ||
    options === null ||
    Array.isArray(options) ||
    !Object.hasOwn(options, 'session')
  ) {
    return { session: undefined, rest: options };
  }
  const { session, ...rest } = options as { session?: unknown };
  return { session: assertSession(session, db, `${argument}.session`), rest };
}

/** The driver options of a call's writes: its session, when it has one. */
export function sessionOptions(session: ClientSession | undefined): SessionOptions {
  return session === undefined ? {} : { session };
}
