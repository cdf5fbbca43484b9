import type { Document, Long, ObjectId } from 'bson';
import type { ServerCursorManager } from '../../cursors.js';
import type { FailPointRegistry } from '../../failpoints.js';
import type { RetryableWriteCache } from '../../sessions.js';
import type { TransactionCoordinator } from '../../transactions/index.js';
import type { ClientConnection } from '../../wire/connection.js';
import type { CommandContext } from '../context.js';

/** Process-level facts `serverStatus` and `hello` report. */
export interface ServerRuntime {
  /** When this server start began. */
  readonly startedAt: Date;
  /** Open client connections now. */
  currentConnections(): number;
  /** Connections accepted since this server start. */
  totalConnectionsCreated(): number;
  /**
   * What `hello` reports as `topologyVersion`: a process id new with each server start, and a
   * counter of topology changes (a lone primary never changes).
   */
  readonly topologyVersion: { readonly processId: ObjectId; readonly counter: Long };
}

/**
 * The context the server's own (admin) commands get: the public {@link CommandContext} plus the
 * server internals they manage. The dispatcher passes it to every command; storage commands see it
 * as a plain `CommandContext`.
 */
export interface ServerCommandContext extends CommandContext {
  /** The client connection the command arrived on. */
  readonly connection: ClientConnection;
  /** Every cursor of the server (`getMore`, `killCursors`, session ends). */
  readonly cursorRegistry: ServerCursorManager;
  readonly failPoints: FailPointRegistry;
  readonly retryableWrites: RetryableWriteCache;
  /** The sessions' multi-document transactions. */
  readonly transactions: TransactionCoordinator;
  readonly runtime: ServerRuntime;
  /** The name the command was invoked with (`isMaster` vs `ismaster`). */
  readonly commandName: string;
  /** The request allows an exhaust reply stream (OP_MSG `exhaustAllowed`). */
  readonly exhaustAllowed: boolean;
}

/** A command handler of the server itself; it may use the server internals. */
export type ServerCommandHandler = (
  command: Document,
  context: ServerCommandContext,
) => Promise<Document> | Document;
