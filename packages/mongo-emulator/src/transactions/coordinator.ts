import { Binary, type Document, type Long } from 'bson';
import type { CommandContext } from '../commands/context.js';
import { CommandError } from '../errors.js';
import { ANONYMOUS_USER_DIGEST, describeSession, type RetryableWriteCache } from '../sessions.js';
import type { Collection, PlannedWrite, WriteGuard } from '../storage/collection.js';
import type { StorageEngine } from '../storage/engine.js';
import { applyTransactionWrites } from './commit.js';
import {
  interruptedAtShutdown,
  invalidOptions,
  noMatchingTransaction,
  notAllowedInTransaction,
  transactionAborted,
  transactionCommitted,
  transactionTooOld,
  writeConflict,
} from './errors.js';
import { collectionResource, LockTable } from './locks.js';
import type { SessionInfo } from './session-info.js';
import { type Access, Transaction, type TransactionIdentity } from './transaction.js';
import { TransactionStorage } from './transaction-storage.js';
import { writeResources } from './write-resources.js';

/** mongod's default `transactionLifetimeLimitSeconds`. */
export const DEFAULT_TRANSACTION_LIFETIME_LIMIT_SECONDS = 60;

/** How many sessions the coordinator remembers the last transaction of (least recent dropped). */
const SESSION_LIMIT = 10_000;

/** Plain writes that wait for the transactions holding locks in their collection. */
const WRITE_COMMANDS: ReadonlySet<string> = new Set([
  'insert',
  'update',
  'delete',
  'findAndModify',
]);

/** Statements that may write: they get copies of the collections they name. */
const WRITING_STATEMENTS: ReadonlySet<string> = new Set([
  ...WRITE_COMMANDS,
  'create',
  'createIndexes',
]);

/** Catalog commands on one collection: they wait for the transactions that used it. */
const COLLECTION_DDL: ReadonlySet<string> = new Set([
  'create',
  'drop',
  'createIndexes',
  'dropIndexes',
  'collMod',
]);

/** A transaction's write met another writer's lock or a write committed after its snapshot. */
class ConflictSignal extends Error {
  constructor() {
    super('write conflict');
    this.name = 'ConflictSignal';
  }
}

/** A plain write met the lock of an open transaction: it waits for that transaction's end. */
class BlockedSignal extends Error {
  readonly owner: Transaction;
  constructor(owner: Transaction) {
    super('blocked by a transaction');
    this.name = 'BlockedSignal';
    this.owner = owner;
  }
}

/** The last transaction of one session. */
interface SessionRecord {
  txnNumber: Long;
  transaction: Transaction;
}

/** Options of a {@link TransactionCoordinator}. */
export interface TransactionCoordinatorOptions {
  engine: StorageEngine;
  /** The retryable writes of the same sessions (they share the transaction numbers). */
  retryableWrites: RetryableWriteCache;
  /** After this long a transaction is aborted (mongod's `transactionLifetimeLimitSeconds`). */
  lifetimeLimitSeconds?: number;
}

/**
 * Multi-document transactions as mongod runs them on a replica set.
 *
 * Each session has at most one transaction in progress, numbered by `txnNumber`. A transaction
 * reads a snapshot taken at its first statement, sees its own writes, and keeps them to itself
 * until `commitTransaction` applies them all at once (one cluster time; change events carry its
 * `lsid` and `txnNumber`). Writers lock the documents and unique keys they write: a second
 * transaction writing the same document gets WriteConflict (and is aborted), as does one writing a
 * document changed after its snapshot; a plain write waits for the transaction's end, and so do
 * catalog commands on a collection a transaction used. A transaction whose statement fails, whose
 * session ends, or which outlives `lifetimeLimitSeconds` is aborted; its later statements answer
 * NoSuchTransaction.
 */
export class TransactionCoordinator {
  /** The lifetime limit, in seconds. */
  readonly lifetimeLimitSeconds: number;
  private readonly engine: StorageEngine;
  private readonly retryableWrites: RetryableWriteCache;
  private readonly locks = new LockTable();
  private readonly sessions = new Map<string, SessionRecord>();
  private readonly open = new Set<Transaction>();
  private readonly expiryTimers = new Map<Transaction, NodeJS.Timeout>();
  private committing: Transaction | undefined;
  private closed = false;
  private waiting = 0;

  constructor(options: TransactionCoordinatorOptions) {
    const limit = options.lifetimeLimitSeconds ?? DEFAULT_TRANSACTION_LIFETIME_LIMIT_SECONDS;
    if (!(limit > 0)) {
      throw new RangeError(`transactionLifetimeLimitSeconds must be positive, got ${limit}`);
    }
    this.lifetimeLimitSeconds = limit;
    this.engine = options.engine;
    this.retryableWrites = options.retryableWrites;
    this.engine.setWriteGuard(this.onLiveWrite);
  }

  /** Number of multi-document transactions in progress. */
  get openTransactions(): number {
    let count = 0;
    for (const transaction of this.open) if (!transaction.implicit) count += 1;
    return count;
  }

  /** Number of commands waiting for transactions to end (plain writes, catalog commands). */
  get waitingCommands(): number {
    return this.waiting;
  }

  /**
   * Runs one command under the transaction rules: a statement of a transaction runs on its
   * snapshot (commit and abort end it); a plain write waits for the transactions holding locks in
   * its collection; a catalog command waits for those that used its collection.
   * @param invoke runs the command's handler with the context it gets.
   */
  async run<C extends CommandContext>(
    command: Document,
    commandName: string,
    session: SessionInfo,
    context: C,
    invoke: (context: C) => Promise<Document> | Document,
  ): Promise<Document> {
    if (session.kind === 'transaction') {
      return this.runStatement(command, commandName, session, context, invoke);
    }
    if (this.open.size > 0) {
      const target = targetNamespace(command, context.dbName);
      if (WRITE_COMMANDS.has(commandName) && target && this.locks.namespaceLocked(target)) {
        return this.runWaitingWrite(context, invoke);
      }
      const ddl = ddlTargets(command, commandName, context.dbName, this.engine);
      if (ddl !== undefined) await this.waitUntilUnused(ddl);
    }
    return invoke(context);
  }

  /**
   * Checks a retryable write against the session's transactions (before its retry lookup): an
   * older number than the session's transaction is too old, the same number was a transaction, a
   * newer one aborts the transaction in progress.
   */
  checkRetryableWrite(sessionKey: string, txnNumber: Long): void {
    const record = this.sessions.get(sessionKey);
    if (record === undefined) return;
    if (txnNumber.lessThan(record.txnNumber)) {
      throw transactionTooOld(
        `Retryable write with txnNumber ${txnNumber.toString()} is prohibited on session ${describeSession(sessionKey)} because a newer transaction with txnNumber ${record.txnNumber.toString()} has already started on this session.`,
      );
    }
    if (txnNumber.equals(record.txnNumber)) {
      throw new CommandError(
        217,
        'Cannot retry a retryable write that has been converted into a transaction',
        { codeName: 'IncompleteTransactionHistory' },
      );
    }
    this.abort(record.transaction);
  }

  /** Ends sessions (`endSessions`, `killSessions`): aborts their transactions in progress. */
  endSessions(sessionKeys: Iterable<string>): void {
    for (const key of sessionKeys) {
      const record = this.sessions.get(key);
      if (record === undefined) continue;
      this.abort(record.transaction);
      this.sessions.delete(key);
    }
  }

  /** Ends every session (`killSessions: []`). */
  endAllSessions(): void {
    this.endSessions([...this.sessions.keys()]);
  }

  /** Aborts every transaction and detaches from the engine (server stop). */
  close(): void {
    this.closed = true;
    for (const transaction of [...this.open]) this.abort(transaction);
    this.sessions.clear();
    this.engine.setWriteGuard(undefined);
  }

  private async runStatement<C extends CommandContext>(
    command: Document,
    commandName: string,
    session: Extract<SessionInfo, { kind: 'transaction' }>,
    context: C,
    invoke: (context: C) => Promise<Document> | Document,
  ): Promise<Document> {
    checkConcerns(command, commandName, session.startTransaction);
    const transaction = session.startTransaction
      ? this.begin(session)
      : this.continue(session, commandName);
    if (commandName === 'commitTransaction') {
      this.commit(transaction);
      return {};
    }
    if (commandName === 'abortTransaction') {
      this.abort(transaction);
      return {};
    }
    const access: Access = WRITING_STATEMENTS.has(commandName) ? 'write' : 'read';
    const storage = new TransactionStorage(transaction, access, this.beforeCreate);
    let reply: Document;
    try {
      reply = await invoke({ ...context, engine: storage });
    } catch (error) {
      // mongod aborts a transaction whose statement failed.
      this.abort(transaction);
      if (error instanceof ConflictSignal) throw writeConflict();
      throw error;
    }
    if (!transaction.inProgress) throw transactionAborted(session.txnNumber);
    // A write error (a duplicate key, say) aborts the transaction too.
    if (Array.isArray(reply.writeErrors) && reply.writeErrors.length > 0) this.abort(transaction);
    return reply;
  }

  /** `startTransaction: true`: the session's new transaction (aborting one in progress). */
  private begin(session: Extract<SessionInfo, { kind: 'transaction' }>): Transaction {
    const { sessionKey, txnNumber } = session;
    const active = this.activeTxnNumber(sessionKey);
    if (active !== undefined && txnNumber.lessThan(active.txnNumber)) {
      throw this.tooOldToStart(sessionKey, txnNumber, active);
    }
    if (active !== undefined && txnNumber.equals(active.txnNumber)) {
      throw new CommandError(
        117,
        'Only servers in a sharded cluster can start a new transaction at the active transaction number',
        { codeName: 'ConflictingOperationInProgress' },
      );
    }
    const previous = this.sessions.get(sessionKey);
    if (previous !== undefined) this.abort(previous.transaction);
    const transaction = this.openTransaction(
      { sessionKey, lsid: eventLsid(session.lsid), txnNumber },
      false,
    );
    const timer = setTimeout(() => this.abort(transaction), this.lifetimeLimitSeconds * 1000);
    timer.unref();
    this.expiryTimers.set(transaction, timer);
    this.sessions.delete(sessionKey);
    this.sessions.set(sessionKey, { txnNumber, transaction });
    while (this.sessions.size > SESSION_LIMIT) {
      const oldest = this.sessions.keys().next().value;
      if (oldest === undefined) break;
      this.endSessions([oldest]);
    }
    return transaction;
  }

  /** A later statement (or the commit or abort) of the session's transaction `txnNumber`. */
  private continue(
    session: Extract<SessionInfo, { kind: 'transaction' }>,
    commandName: string,
  ): Transaction {
    const { sessionKey, txnNumber } = session;
    const active = this.activeTxnNumber(sessionKey);
    if (active !== undefined && txnNumber.lessThan(active.txnNumber)) {
      throw this.tooOldToStart(sessionKey, txnNumber, active);
    }
    const record = this.sessions.get(sessionKey);
    if (record === undefined || !record.txnNumber.equals(txnNumber)) {
      throw noMatchingTransaction(txnNumber, active?.txnNumber);
    }
    const transaction = record.transaction;
    if (transaction.overridden) this.abort(transaction);
    if (transaction.state === 'aborted') throw transactionAborted(txnNumber);
    if (transaction.state === 'committed' && commandName !== 'commitTransaction') {
      throw transactionCommitted(txnNumber);
    }
    return transaction;
  }

  /** The session's newest number, from its transactions or its retryable writes. */
  private activeTxnNumber(
    sessionKey: string,
  ): { txnNumber: Long; operation: 'transaction' | 'retryable write' } | undefined {
    const transaction = this.sessions.get(sessionKey)?.txnNumber;
    const retryable = this.retryableWrites.latest(sessionKey);
    if (
      retryable !== undefined &&
      (transaction === undefined || retryable.greaterThan(transaction))
    ) {
      return { txnNumber: retryable, operation: 'retryable write' };
    }
    return transaction === undefined
      ? undefined
      : { txnNumber: transaction, operation: 'transaction' };
  }

  private tooOldToStart(
    sessionKey: string,
    txnNumber: Long,
    active: { txnNumber: Long; operation: string },
  ): CommandError {
    return transactionTooOld(
      `Cannot start transaction with { txnNumber: ${txnNumber.toString()} } on session ${describeSession(sessionKey)} because a newer ${active.operation} with txnNumberAndRetryCounter { txnNumber: ${active.txnNumber.toString()}, txnRetryCounter: 0 } has already started on this session.`,
    );
  }

  /**
   * A plain write in a collection where transactions hold locks: runs as an implicit transaction
   * and commits at once; when it meets a lock it waits for that transaction's end and runs again,
   * so it never overwrites (nor half-applies before) uncommitted writes.
   */
  private async runWaitingWrite<C extends CommandContext>(
    context: C,
    invoke: (context: C) => Promise<Document> | Document,
  ): Promise<Document> {
    for (;;) {
      if (this.closed) throw interruptedAtShutdown();
      const transaction = this.openTransaction(
        { sessionKey: undefined, lsid: undefined, txnNumber: undefined },
        true,
      );
      try {
        const reply = await invoke({
          ...context,
          engine: new TransactionStorage(transaction, 'write', this.beforeCreate),
        });
        this.commit(transaction);
        return reply;
      } catch (error) {
        this.abort(transaction);
        if (error instanceof BlockedSignal) {
          await this.waitFor(error.owner);
          continue;
        }
        if (error instanceof ConflictSignal) continue;
        throw error;
      }
    }
  }

  /** Waits until no transaction in progress used a namespace `affected` selects. */
  private async waitUntilUnused(affected: (ns: string) => boolean): Promise<void> {
    for (;;) {
      if (this.closed) throw interruptedAtShutdown();
      const user = [...this.open].find((transaction) => [...transaction.touched].some(affected));
      if (user === undefined) return;
      await this.waitFor(user);
    }
  }

  private async waitFor(transaction: Transaction): Promise<void> {
    this.waiting += 1;
    try {
      await transaction.ended;
    } finally {
      this.waiting -= 1;
    }
  }

  private openTransaction(identity: TransactionIdentity, implicit: boolean): Transaction {
    const transaction = new Transaction({
      identity,
      implicit,
      snapshotSeq: this.locks.currentSeq,
      engine: this.engine,
      guard: this.guardTransactionWrite,
    });
    this.open.add(transaction);
    return transaction;
  }

  private commit(transaction: Transaction): void {
    if (!transaction.inProgress) return;
    this.finish(transaction, 'committed', () => {
      if (transaction.writes.length === 0 && transaction.created.length === 0) return;
      const apply = (): void => applyTransactionWrites(this.engine, transaction);
      const { lsid, txnNumber } = transaction.identity;
      if (lsid !== undefined && txnNumber !== undefined) {
        this.engine.commitTransaction({ lsid, txnNumber }, apply);
      } else {
        apply();
      }
    });
  }

  private abort(transaction: Transaction): void {
    if (transaction.inProgress) this.finish(transaction, 'aborted');
  }

  private finish(
    transaction: Transaction,
    state: 'committed' | 'aborted',
    apply?: () => void,
  ): void {
    this.open.delete(transaction);
    clearTimeout(this.expiryTimers.get(transaction));
    this.expiryTimers.delete(transaction);
    this.committing = transaction;
    try {
      apply?.();
    } finally {
      this.committing = undefined;
      this.locks.releaseAll(transaction);
      transaction.end(state);
      if (this.open.size === 0) this.locks.forgetCommitted();
    }
  }

  /** Before a transaction creates collection `ns`: takes the creation lock. */
  private readonly beforeCreate = (transaction: Transaction, ns: string): void => {
    const resource = collectionResource(ns);
    const owner = this.locks.ownerOf(resource);
    if (owner !== undefined && owner !== transaction) {
      throw transaction.implicit ? new BlockedSignal(owner) : new ConflictSignal();
    }
    this.locks.acquire(transaction, resource, ns);
  };

  /** Before a transaction writes one of its copies: takes the locks, detects conflicts. */
  private readonly guardTransactionWrite = (
    transaction: Transaction,
    collection: Collection,
    write: PlannedWrite,
  ): void => {
    if (write.kind === 'catalog') {
      if (transaction.createdCollection(collection.ns) === collection) return;
      throw notAllowedInTransaction(
        `Cannot create new indexes on existing collection ${collection.ns} in a multi-document transaction.`,
      );
    }
    const resources = writeResources(collection, write);
    for (const resource of resources) {
      const owner = this.locks.ownerOf(resource);
      if (owner === transaction) continue;
      if (owner !== undefined) {
        throw transaction.implicit ? new BlockedSignal(owner) : new ConflictSignal();
      }
      if (this.locks.changedSince(resource, transaction.snapshotSeq)) throw new ConflictSignal();
    }
    for (const resource of resources) this.locks.acquire(transaction, resource, collection.ns);
  };

  /**
   * Before any live collection changes (a plain write, a commit, the TTL monitor): the open
   * transactions keep their snapshot, and the write is recorded for conflict detection.
   */
  private readonly onLiveWrite: WriteGuard = (collection, write) => {
    if (this.open.size === 0) return;
    const catalogChange = write.kind === 'catalog';
    for (const transaction of this.open) transaction.preserve(collection, catalogChange);
    if (catalogChange) return;
    const resources = writeResources(collection, write);
    if (this.committing === undefined) {
      // Only the TTL monitor writes outside a commit while locks exist: a document it deletes
      // under a transaction's write makes that transaction fail (as a write conflict would).
      for (const resource of resources) {
        const owner = this.locks.ownerOf(resource);
        if (owner !== undefined) owner.overridden = true;
      }
    }
    this.locks.recordCommitted(resources);
  };
}

/** The `{id, uid}` session id change events of a transaction carry. */
function eventLsid(lsid: Document): Document {
  return { id: lsid.id, uid: new Binary(Buffer.from(ANONYMOUS_USER_DIGEST, 'base64'), 0) };
}

/** mongod's rules for `readConcern` and `writeConcern` on transaction statements. */
function checkConcerns(command: Document, commandName: string, starting: boolean): void {
  if (
    command.writeConcern !== undefined &&
    commandName !== 'commitTransaction' &&
    commandName !== 'abortTransaction'
  ) {
    throw invalidOptions('writeConcern is not allowed within a multi-statement transaction');
  }
  const readConcern: unknown = command.readConcern;
  if (readConcern === undefined) return;
  if (!starting) {
    throw invalidOptions('Only the first command in a transaction may specify a readConcern');
  }
  const level = (readConcern as Document | null)?.level;
  if (level !== undefined && level !== 'local' && level !== 'majority' && level !== 'snapshot') {
    throw invalidOptions(
      "The readConcern level must be either 'local' (default), 'majority' or 'snapshot' in order to run in a transaction",
    );
  }
  if ((readConcern as Document).atClusterTime !== undefined) {
    throw new CommandError(115, 'readConcern atClusterTime is not supported by mongo-emulator', {
      codeName: 'CommandNotSupported',
    });
  }
}

/** `db.collection` of a command whose first field names its collection. */
function targetNamespace(command: Document, dbName: string): string | undefined {
  const target: unknown = Object.values(command)[0];
  return typeof target === 'string' ? `${dbName}.${target}` : undefined;
}

/**
 * The namespaces a catalog command changes, as a predicate; undefined for other commands and for
 * a `createIndexes` whose indexes all exist (mongod answers it without an exclusive lock).
 */
function ddlTargets(
  command: Document,
  commandName: string,
  dbName: string,
  engine: StorageEngine,
): ((ns: string) => boolean) | undefined {
  if (commandName === 'createIndexes' && indexesExist(command, dbName, engine)) return undefined;
  if (COLLECTION_DDL.has(commandName)) {
    const ns = targetNamespace(command, dbName);
    return ns === undefined ? undefined : (candidate) => candidate === ns;
  }
  if (commandName === 'dropDatabase') return (candidate) => candidate.startsWith(`${dbName}.`);
  if (commandName === 'renameCollection') {
    const names = [command.renameCollection, command.to].filter((v) => typeof v === 'string');
    return (candidate) => names.includes(candidate);
  }
  return undefined;
}

/** True when every index a `createIndexes` names exists on its collection. */
function indexesExist(command: Document, dbName: string, engine: StorageEngine): boolean {
  const target: unknown = command.createIndexes;
  const requested: unknown = command.indexes;
  if (typeof target !== 'string' || !Array.isArray(requested)) return false;
  const existing = new Set(engine.collection(dbName, target)?.indexes.map((index) => index.name));
  return requested.every(
    (spec: unknown) =>
      spec !== null && typeof spec === 'object' && existing.has(String((spec as Document).name)),
  );
}
