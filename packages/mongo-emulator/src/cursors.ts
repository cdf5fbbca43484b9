import { randomBytes } from 'node:crypto';
import { calculateObjectSize, type Document, Long } from 'bson';
import type { CursorBatch, CursorManager, CursorSource } from './commands/context.js';
import { CommandError, ErrorCode } from './errors.js';
import { describeSession, sessionKeyOf } from './sessions.js';
import { MAX_BSON_OBJECT_SIZE } from './wire/opcodes.js';

/** Default idle time after which a cursor is killed (mongod's `cursorTimeoutMillis`). */
export const DEFAULT_CURSOR_TIMEOUT_MS = 10 * 60 * 1000;

/** How long an awaitable `getMore` without `maxTimeMS` waits for data. */
export const DEFAULT_AWAIT_DATA_MS = 1000;

/**
 * A cursor source over documents already in memory (a query result). Batches stop early rather
 * than exceed the 16 MiB a reply may carry.
 */
export function arraySource(docs: Document[]): CursorSource {
  let position = 0;
  return {
    nextBatch(batchSize: number | undefined): Promise<CursorBatch> {
      const limit = batchSize ?? Number.POSITIVE_INFINITY;
      const documents: Document[] = [];
      let bytes = 0;
      while (position < docs.length && documents.length < limit) {
        const doc = docs[position] as Document;
        const size = calculateObjectSize(doc);
        if (documents.length > 0 && bytes + size > MAX_BSON_OBJECT_SIZE) break;
        documents.push(doc);
        bytes += size;
        position += 1;
      }
      return Promise.resolve({ documents, exhausted: position >= docs.length });
    },
    close(): void {
      position = docs.length;
    },
  };
}

/** One open server-side cursor. */
interface OpenCursor {
  id: Long;
  ns: string;
  source: CursorSource;
  awaitable: boolean;
  /** `lsid.id` (hex) of the session that opened it. */
  sessionKey: string | undefined;
  /** The command that opened it (for `$changeStream` detection). */
  changeStream: boolean;
  timer: NodeJS.Timeout | undefined;
  inUse: boolean;
  killed: boolean;
}

/** The `cursor` document of a `getMore` reply. */
export interface GetMoreResult {
  cursor: Document;
}

/** Options of {@link ServerCursorManager.getMore}. */
export interface GetMoreOptions {
  batchSize?: number;
  maxTimeMS?: number;
  /** The `lsid` of the getMore, compared with the session that opened the cursor. */
  lsid?: Document;
}

function checkSession(cursor: OpenCursor, lsid: Document | undefined): void {
  const key = sessionKeyOf(lsid);
  const id = cursor.id.toString();
  if (cursor.sessionKey === undefined && key !== undefined) {
    throw new CommandError(
      50736,
      `Cannot run getMore on cursor ${id}, which was not created in a session, in session ${describeSession(key)}`,
    );
  }
  if (cursor.sessionKey !== undefined && key === undefined) {
    throw new CommandError(
      50737,
      `Cannot run getMore on cursor ${id}, which was created in session ${describeSession(cursor.sessionKey)}, without an lsid`,
    );
  }
  if (cursor.sessionKey !== undefined && key !== undefined && cursor.sessionKey !== key) {
    throw new CommandError(
      50738,
      `Cannot run getMore on cursor ${id}, which was created in session ${describeSession(cursor.sessionKey)}, in session ${describeSession(key)}`,
    );
  }
}

/**
 * The server's cursors: opens them for `find`/`aggregate`, serves `getMore`, kills them on
 * `killCursors`, at session end and after `cursorTimeoutMs` idle.
 */
export class ServerCursorManager implements CursorManager {
  private readonly cursors = new Map<string, OpenCursor>();
  private readonly timeoutMs: number;

  constructor(options: { cursorTimeoutMs?: number } = {}) {
    this.timeoutMs = options.cursorTimeoutMs ?? DEFAULT_CURSOR_TIMEOUT_MS;
  }

  /**
   * The manager as one command sees it: cursors it opens belong to the command's session unless
   * the caller names another `lsid`.
   */
  forCommand(lsid: Document | undefined): CursorManager {
    return {
      open: (ns, source, options) =>
        this.open(ns, source, { ...options, lsid: options.lsid ?? lsid }),
      kill: (ids) => this.kill(ids),
    };
  }

  /** Number of open cursors. */
  get size(): number {
    return this.cursors.size;
  }

  /** True when a cursor with this id is open. */
  has(id: Long): boolean {
    return this.cursors.has(id.toString());
  }

  async open(
    ns: string,
    source: CursorSource,
    options: {
      batchSize?: number;
      singleBatch?: boolean;
      awaitable?: boolean;
      lsid?: Document;
      changeStream?: boolean;
    },
  ): Promise<Document> {
    let batch: CursorBatch;
    try {
      batch = await source.nextBatch(options.batchSize, undefined);
    } catch (error) {
      source.close();
      throw error;
    }
    let id = Long.ZERO;
    if (batch.exhausted || options.singleBatch) {
      source.close();
    } else {
      id = this.newId();
      const cursor: OpenCursor = {
        id,
        ns,
        source,
        awaitable: options.awaitable ?? false,
        sessionKey: sessionKeyOf(options.lsid),
        changeStream: options.changeStream ?? options.awaitable ?? false,
        timer: undefined,
        inUse: false,
        killed: false,
      };
      this.cursors.set(id.toString(), cursor);
      this.armTimer(cursor);
    }
    const reply: Document = { firstBatch: batch.documents, id, ns };
    if (batch.postBatchResumeToken !== undefined) {
      reply.postBatchResumeToken = batch.postBatchResumeToken;
    }
    return reply;
  }

  /** True when `id` names an open change-stream (awaitable) cursor. */
  isChangeStream(id: Long): boolean {
    return this.cursors.get(id.toString())?.changeStream ?? false;
  }

  /**
   * Runs `getMore` on cursor `id` in namespace `ns`.
   * @throws CommandError as MongoDB answers: CursorNotFound (43), a namespace mismatch
   *   (Unauthorized, 13), a cursor in use (CursorInUse, 292), a killed cursor (CursorKilled, 237).
   */
  async getMore(id: Long, ns: string, options: GetMoreOptions = {}): Promise<GetMoreResult> {
    const cursor = this.cursors.get(id.toString());
    if (cursor === undefined) {
      throw new CommandError(ErrorCode.CursorNotFound, `cursor id ${id.toString()} not found`);
    }
    if (cursor.ns !== ns) {
      throw new CommandError(
        13,
        `Requested getMore on namespace '${ns}', but cursor belongs to a different namespace ${cursor.ns}`,
        { codeName: 'Unauthorized' },
      );
    }
    checkSession(cursor, options.lsid);
    if (cursor.inUse) {
      throw new CommandError(292, `cursor id ${id.toString()} is already in use`, {
        codeName: 'CursorInUse',
      });
    }
    cursor.inUse = true;
    this.clearTimer(cursor);
    let batch: CursorBatch;
    try {
      const awaitMs = cursor.awaitable ? (options.maxTimeMS ?? DEFAULT_AWAIT_DATA_MS) : undefined;
      batch = await cursor.source.nextBatch(options.batchSize, awaitMs);
    } catch (error) {
      cursor.inUse = false;
      this.remove(cursor);
      throw error;
    }
    cursor.inUse = false;
    if (cursor.killed) {
      throw new CommandError(237, `cursor id ${id.toString()} was killed`, {
        codeName: 'CursorKilled',
      });
    }
    let replyId = cursor.id;
    if (batch.exhausted) {
      this.remove(cursor);
      replyId = Long.ZERO;
    } else {
      this.armTimer(cursor);
    }
    const reply: Document = { nextBatch: batch.documents, id: replyId, ns };
    if (batch.postBatchResumeToken !== undefined) {
      reply.postBatchResumeToken = batch.postBatchResumeToken;
    }
    return { cursor: reply };
  }

  kill(ids: Long[]): { killed: Long[]; notFound: Long[] } {
    const killed: Long[] = [];
    const notFound: Long[] = [];
    for (const id of ids) {
      const cursor = this.cursors.get(id.toString());
      if (cursor === undefined) {
        notFound.push(id);
      } else {
        this.remove(cursor);
        killed.push(id);
      }
    }
    return { killed, notFound };
  }

  /** Like {@link kill}, but a cursor of another namespace counts as not found. */
  killInNamespace(ns: string, ids: Long[]): { killed: Long[]; notFound: Long[] } {
    const mine: Long[] = [];
    const foreign: Long[] = [];
    for (const id of ids) {
      (this.cursors.get(id.toString())?.ns === ns ? mine : foreign).push(id);
    }
    const result = this.kill(mine);
    return { killed: result.killed, notFound: [...result.notFound, ...foreign] };
  }

  /** Kills every cursor opened in one of the given sessions (`lsid.id` hex keys). */
  killSessions(sessionKeys: ReadonlySet<string>): void {
    for (const cursor of [...this.cursors.values()]) {
      if (cursor.sessionKey !== undefined && sessionKeys.has(cursor.sessionKey)) {
        this.remove(cursor);
      }
    }
  }

  /** Kills every cursor opened in any session. */
  killAllSessionCursors(): void {
    for (const cursor of [...this.cursors.values()]) {
      if (cursor.sessionKey !== undefined) this.remove(cursor);
    }
  }

  /** Kills every cursor (server shutdown). */
  closeAll(): void {
    for (const cursor of [...this.cursors.values()]) this.remove(cursor);
  }

  private remove(cursor: OpenCursor): void {
    if (cursor.killed) return;
    cursor.killed = true;
    this.clearTimer(cursor);
    this.cursors.delete(cursor.id.toString());
    cursor.source.close();
  }

  private armTimer(cursor: OpenCursor): void {
    this.clearTimer(cursor);
    cursor.timer = setTimeout(() => {
      if (!cursor.inUse) this.remove(cursor);
    }, this.timeoutMs);
    cursor.timer.unref();
  }

  private clearTimer(cursor: OpenCursor): void {
    if (cursor.timer !== undefined) clearTimeout(cursor.timer);
    cursor.timer = undefined;
  }

  private newId(): Long {
    for (;;) {
      const id = Long.fromBytesLE([...randomBytes(8)], false).and(Long.MAX_VALUE);
      if (!id.isZero() && !this.cursors.has(id.toString())) return id;
    }
  }
}
