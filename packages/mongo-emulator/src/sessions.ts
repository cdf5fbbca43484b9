import { Binary, type Document, type Long } from 'bson';
import { CommandError } from './errors.js';

/** Returns the hex of a session id (`lsid.id`, a UUID `Binary`), or undefined without one. */
export function sessionKeyOf(lsid: Document | undefined): string | undefined {
  const id: unknown = lsid?.id;
  return id instanceof Binary ? id.toString('hex') : undefined;
}

/** How MongoDB prints a logical session id in messages. */
export function describeSession(key: string): string {
  const uuid = `${key.slice(0, 8)}-${key.slice(8, 12)}-${key.slice(12, 16)}-${key.slice(16, 20)}-${key.slice(20)}`;
  return `${uuid} - ${ANONYMOUS_USER_DIGEST} -  - `;
}

/** SHA-256 of the empty user name: the `uid` MongoDB gives sessions without authentication. */
export const ANONYMOUS_USER_DIGEST = '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=';

/** Write commands MongoDB retries with `txnNumber` (retryable writes). */
export const RETRYABLE_WRITE_COMMANDS: ReadonlySet<string> = new Set([
  'insert',
  'update',
  'delete',
  'findAndModify',
  'findandmodify',
]);

/** How many sessions the cache remembers (least recently written dropped first). */
export const DEFAULT_SESSION_LIMIT = 10_000;

interface SessionRecord {
  /** Highest `txnNumber` run on the session. */
  txnNumber: Long;
  /** The reply of that write. */
  reply: Document;
}

/**
 * Retryable-write bookkeeping per logical session. Like mongod, a session remembers its latest
 * `txnNumber` and that write's reply: a retry of it answers with the stored reply instead of running
 * twice; an older `txnNumber` is refused (TransactionTooOld).
 */
export class RetryableWriteCache {
  private readonly sessions = new Map<string, SessionRecord>();
  private readonly limit: number;

  constructor(options: { sessionLimit?: number } = {}) {
    this.limit = options.sessionLimit ?? DEFAULT_SESSION_LIMIT;
  }

  /**
   * Returns the stored reply when `(sessionKey, txnNumber)` already ran.
   * @param describeSession renders the session for the error message.
   * @throws CommandError TransactionTooOld (225) when a newer txnNumber already ran on the session.
   */
  lookup(sessionKey: string, txnNumber: Long, describeSession: string): Document | undefined {
    const session = this.sessions.get(sessionKey);
    if (session === undefined) return undefined;
    if (session.txnNumber.equals(txnNumber)) return session.reply;
    if (txnNumber.lessThan(session.txnNumber)) {
      throw new CommandError(
        225,
        `Retryable write with txnNumber ${txnNumber.toString()} is prohibited on session ${describeSession} because a newer retryable write with txnNumber ${session.txnNumber.toString()} has already started on this session.`,
        { codeName: 'TransactionTooOld' },
      );
    }
    return undefined;
  }

  /** The newest `txnNumber` that ran on the session, if the cache remembers one. */
  latest(sessionKey: string): Long | undefined {
    return this.sessions.get(sessionKey)?.txnNumber;
  }

  /** Stores the reply of a write that ran. */
  store(sessionKey: string, txnNumber: Long, reply: Document): void {
    const current = this.sessions.get(sessionKey);
    if (current !== undefined && txnNumber.lessThan(current.txnNumber)) return;
    this.sessions.delete(sessionKey);
    this.sessions.set(sessionKey, { txnNumber, reply });
    while (this.sessions.size > this.limit) {
      const oldest = this.sessions.keys().next().value;
      if (oldest === undefined) break;
      this.sessions.delete(oldest);
    }
  }

  /** Forgets the given sessions (`endSessions`, `killSessions`). */
  forget(sessionKeys: Iterable<string>): void {
    for (const key of sessionKeys) this.sessions.delete(key);
  }

  /** Forgets every session. */
  clear(): void {
    this.sessions.clear();
  }

  /** Number of sessions with a stored reply. */
  get size(): number {
    return this.sessions.size;
  }
}
