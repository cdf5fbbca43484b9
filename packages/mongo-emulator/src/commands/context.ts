import type { Document, Long } from 'bson';
import type { ChangeLog } from '../changestreams/change-log.js';
import type { LogicalClock } from '../clock.js';
import type { StorageEngine } from '../storage/engine.js';

/**
 * Where a cursor's documents come from. A plain query result is an array source; a change stream
 * is an awaitable source whose `nextBatch` may wait for new events.
 */
export interface CursorSource {
  /**
   * Returns up to `batchSize` documents (all remaining when `batchSize` is undefined).
   * `awaitDataMs` is set only for `getMore` on awaitable cursors (the `maxTimeMS` of the getMore):
   * the source may then wait up to that long for at least one document.
   */
  nextBatch(batchSize: number | undefined, awaitDataMs: number | undefined): Promise<CursorBatch>;
  /** Releases what the source holds (listeners, timers). Called once, when the cursor ends. */
  close(): void;
}

/** One batch from a {@link CursorSource}. */
export interface CursorBatch {
  documents: Document[];
  /** True when the source will never yield more (the cursor id becomes 0). */
  exhausted: boolean;
  /** Change streams: the resume token after this batch. */
  postBatchResumeToken?: Document;
}

/** Opens server-side cursors and produces the `cursor` field of `find`/`aggregate` replies. */
export interface CursorManager {
  /**
   * Pulls the first batch from `source` and, unless it is exhausted (or `singleBatch`), registers
   * a cursor for `getMore`. Returns the reply's `cursor` document:
   * `{id: Long, ns, firstBatch, postBatchResumeToken?}`.
   */
  open(
    ns: string,
    source: CursorSource,
    options: { batchSize?: number; singleBatch?: boolean; awaitable?: boolean; lsid?: Document },
  ): Promise<Document>;
  /** Kills cursors by id; returns what `killCursors` reports. */
  kill(ids: Long[]): { killed: Long[]; notFound: Long[] };
}

/**
 * The storage a command works on: the server's engine, or — for a statement of a transaction —
 * that transaction's snapshot of it (see `TransactionStorage`).
 */
export type StorageView = Pick<
  StorageEngine,
  | 'database'
  | 'listDatabases'
  | 'collection'
  | 'ensureCollection'
  | 'createCollection'
  | 'dropCollection'
  | 'renameCollection'
  | 'dropDatabase'
  | 'findById'
  | 'recordDefinitionChange'
>;

/** The server facts a command may need. */
export interface ServerFacts {
  host: string;
  port: number;
  /** The replica set name, or false for a standalone server. */
  replicaSet: string | false;
}

/** What a command handler gets besides the command document. */
export interface CommandContext {
  /** The `$db` of the command. */
  readonly dbName: string;
  readonly server: ServerFacts;
  readonly clock: LogicalClock;
  /** The databases, collections, documents and indexes this command sees. */
  readonly engine: StorageView;
  /** Every committed write, kept for change streams (resume, start at an operation time). */
  readonly changeLog: ChangeLog;
  readonly cursors: CursorManager;
  /** Id of the client connection the command arrived on. */
  readonly connectionId: number;
  /** `lsid` of the command, when it carries one. */
  readonly lsid?: Document;
}

/**
 * Handles one command. Returns the reply without `ok` (the dispatcher adds `ok: 1`, `$clusterTime`
 * and `operationTime`), or throws a `CommandError` to answer `ok: 0`.
 */
export type CommandHandler = (
  command: Document,
  context: CommandContext,
) => Promise<Document> | Document;
