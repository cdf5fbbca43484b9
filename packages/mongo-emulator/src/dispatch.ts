import { Binary, type Document, Double, Long } from 'bson';
import type { ChangeLog } from './changestreams/change-log.js';
import type { LogicalClock } from './clock.js';
import { numericValue } from './commands/admin/numbers.js';
import type { ServerCommandContext, ServerRuntime } from './commands/admin/server-context.js';
import type { ServerFacts } from './commands/context.js';
import type { CommandRegistry, RegisteredCommand } from './commands/registry.js';
import type { ServerCursorManager } from './cursors.js';
import { errorLabelsFor } from './error-labels.js';
import { CommandError, ErrorCode } from './errors.js';
import type { FailCommandData, FailPointRegistry } from './failpoints.js';
import { describeSession, type RetryableWriteCache } from './sessions.js';
import type { StorageEngine } from './storage/engine.js';
import {
  readSessionInfo,
  type SessionInfo,
  type TransactionCoordinator,
} from './transactions/index.js';
import type { ClientConnection, CommandOutcome, IncomingCommand } from './wire/connection.js';
import {
  validateWriteConcern,
  WRITE_CONCERN_COMMANDS,
  writeConcernErrorFor,
} from './write-concern.js';

/** What the dispatcher needs from the server. */
export interface DispatcherDependencies {
  server: ServerFacts;
  clock: LogicalClock;
  engine: StorageEngine;
  changeLog: ChangeLog;
  cursors: ServerCursorManager;
  failPoints: FailPointRegistry;
  retryableWrites: RetryableWriteCache;
  transactions: TransactionCoordinator;
  runtime: ServerRuntime;
  registry: CommandRegistry;
  /** Aborted when the server stops: ends fail-point blocks early. */
  signal: AbortSignal;
  /** Receives errors that are bugs (not `CommandError`s); the command answers InternalError. */
  onInternalError: (error: unknown, command: Document) => void;
}

/** The message of every command failed by the `failCommand` fail point. */
export const FAIL_COMMAND_MESSAGE = "Failing command via 'failCommand' failpoint";

/** The message of a `getMore` failed by the `failGetMoreAfterCursorCheckout` fail point. */
export const FAIL_GET_MORE_MESSAGE = 'Hit the failGetMoreAfterCursorCheckout failpoint';

const HELLO = 'hello';
const HELLO_NAMES = new Set([HELLO, 'isMaster', 'ismaster']);

/** Outcome of running one command, before the common reply fields are added. */
type Result = { kind: 'close' } | { kind: 'reply'; reply: Document };

/**
 * Runs one command: finds its handler, applies fail points, transactions and retryable-write
 * rules, and builds the reply MongoDB would send (`ok`, error labels, `$clusterTime`,
 * `operationTime`).
 */
export class Dispatcher {
  private readonly deps: DispatcherDependencies;

  constructor(deps: DispatcherDependencies) {
    this.deps = deps;
  }

  /** Runs `incoming` from `connection`; never rejects. */
  async run(incoming: IncomingCommand, connection: ClientConnection): Promise<CommandOutcome> {
    const result = await this.execute(incoming, connection);
    if (result.kind === 'close') return result;
    const reply = this.finish(result.reply);
    const next = nextExhaustCommand(incoming, reply);
    return next === undefined ? { kind: 'reply', reply } : { kind: 'reply', reply, next };
  }

  private async execute(incoming: IncomingCommand, connection: ClientConnection): Promise<Result> {
    const command = incoming.command;
    const invokedAs = Object.keys(command)[0] ?? '';
    const registered = this.deps.registry.lookup(invokedAs);
    const commandName = registered?.name ?? invokedAs;
    try {
      const { dbName, found, session } = this.validate(incoming, invokedAs, registered);
      return await this.runCommand(
        command,
        dbName,
        invokedAs,
        found,
        session,
        connection,
        incoming,
      );
    } catch (error) {
      return { kind: 'reply', reply: this.errorReply(error, command, commandName, undefined) };
    }
  }

  /** Checks what MongoDB checks before running any command; returns the database. */
  private validate(
    incoming: IncomingCommand,
    invokedAs: string,
    registered: RegisteredCommand | undefined,
  ): { dbName: string; found: RegisteredCommand; session: SessionInfo } {
    if (incoming.protocol === 'OP_QUERY' && registered?.name !== HELLO) {
      throw new CommandError(
        352,
        `Unsupported OP_QUERY command: ${invokedAs}. The client driver may require an upgrade. For more details see https://dochub.mongodb.org/core/legacy-opcode-removal`,
        { codeName: 'UnsupportedOpQueryCommand' },
      );
    }
    if (registered === undefined) {
      throw new CommandError(ErrorCode.CommandNotFound, `no such command: '${invokedAs}'`);
    }
    if (incoming.dbName === undefined) {
      throw new CommandError(40571, 'OP_MSG requests require a $db argument');
    }
    const session = readSessionInfo(
      incoming.command,
      registered.name,
      incoming.dbName,
      this.deps.server.replicaSet,
    );
    if (WRITE_CONCERN_COMMANDS.has(registered.name)) {
      validateWriteConcern(incoming.command, this.deps.server.replicaSet);
    }
    return { dbName: incoming.dbName, found: registered, session };
  }

  private async runCommand(
    command: Document,
    dbName: string,
    invokedAs: string,
    registered: RegisteredCommand,
    session: SessionInfo,
    connection: ClientConnection,
    incoming: IncomingCommand,
  ): Promise<Result> {
    const commandName = registered.name;
    const failure = this.deps.failPoints.evaluate('failCommand', {
      commandName,
      appName: connection.clientMetadata?.appName,
      namespace: namespaceOf(command, invokedAs, dbName),
    });
    if (failure !== undefined) {
      const early = await this.applyFailCommand(failure.data, connection);
      if (early === 'close') return { kind: 'close' };
      if (failure.data.errorCode !== undefined) {
        const error = new CommandError(failure.data.errorCode, FAIL_COMMAND_MESSAGE);
        return {
          kind: 'reply',
          reply: this.errorReply(error, command, commandName, failure.data.errorLabels),
        };
      }
    }

    const retry = session.kind === 'retryableWrite' ? session : undefined;
    if (retry !== undefined) {
      this.deps.transactions.checkRetryableWrite(retry.sessionKey, retry.txnNumber);
      const stored = this.deps.retryableWrites.lookup(
        retry.sessionKey,
        retry.txnNumber,
        describeSession(retry.sessionKey),
      );
      if (stored !== undefined) return { kind: 'reply', reply: retriedReply(stored, command) };
    }

    const lsid = asDocument(command.lsid);
    const context: ServerCommandContext = {
      dbName,
      server: this.deps.server,
      clock: this.deps.clock,
      engine: this.deps.engine,
      changeLog: this.deps.changeLog,
      cursors: this.deps.cursors.forCommand(lsid),
      connectionId: connection.id,
      ...(lsid !== undefined ? { lsid } : {}),
      connection,
      cursorRegistry: this.deps.cursors,
      failPoints: this.deps.failPoints,
      retryableWrites: this.deps.retryableWrites,
      transactions: this.deps.transactions,
      runtime: this.deps.runtime,
      commandName: invokedAs,
      exhaustAllowed: incoming.exhaustAllowed,
    };

    let changeStreamGetMore = false;
    if (commandName === 'getMore' && command.getMore instanceof Long) {
      changeStreamGetMore = this.deps.cursors.isChangeStream(command.getMore);
      const checkout = this.failGetMoreAfterCheckout(command, dbName, connection);
      if (checkout !== undefined) {
        return {
          kind: 'reply',
          reply: this.errorReply(checkout.error, command, commandName, checkout.labels, {
            changeStreamGetMore,
          }),
        };
      }
    }

    let body: Document;
    try {
      body = await this.deps.transactions.run(command, commandName, session, context, (view) =>
        registered.handler(command, view),
      );
    } catch (error) {
      return {
        kind: 'reply',
        reply: this.errorReply(error, command, commandName, undefined, { changeStreamGetMore }),
      };
    }
    const reply: Document = { ...body };
    delete reply.ok;
    reply.ok = 1;
    const unsatisfied = writeConcernErrorFor(command, commandName, this.deps.server.replicaSet);
    if (unsatisfied !== undefined) reply.writeConcernError = unsatisfied;
    if (failure?.data.writeConcernError !== undefined) {
      reply.writeConcernError = { ...failure.data.writeConcernError };
    }
    const wceCode = codeOf(reply.writeConcernError);
    if (wceCode !== undefined) {
      const labels =
        failure?.data.errorLabels ??
        errorLabelsFor({ commandName, command, writeConcernCode: wceCode });
      if (labels.length > 0) reply.errorLabels = labels;
    }
    if (retry !== undefined) {
      this.deps.retryableWrites.store(retry.sessionKey, retry.txnNumber, reply);
    }
    return { kind: 'reply', reply };
  }

  /** Blocks and/or closes as a fired `failCommand` asks. */
  private async applyFailCommand(
    data: FailCommandData,
    connection: ClientConnection,
  ): Promise<'close' | 'continue'> {
    if (data.blockConnection && data.blockTimeMS > 0) {
      await delay(data.blockTimeMS, this.deps.signal);
      if (this.deps.signal.aborted || connection.isClosed) return 'close';
    }
    return data.closeConnection ? 'close' : 'continue';
  }

  /** `failGetMoreAfterCursorCheckout`: fails a getMore on an existing cursor, killing it. */
  private failGetMoreAfterCheckout(
    command: Document,
    dbName: string,
    connection: ClientConnection,
  ): { error: CommandError; labels: string[] | undefined } | undefined {
    const id = command.getMore as Long;
    if (!this.deps.cursors.has(id)) return undefined;
    const fired = this.deps.failPoints.evaluate('failGetMoreAfterCursorCheckout', {
      commandName: 'getMore',
      appName: connection.clientMetadata?.appName,
      namespace: namespaceOf(command, 'getMore', dbName),
    });
    if (fired === undefined) return undefined;
    this.deps.cursors.kill([id]);
    const code = fired.data.errorCode ?? ErrorCode.InternalError;
    return {
      error: new CommandError(code, FAIL_GET_MORE_MESSAGE),
      labels: fired.data.errorLabels,
    };
  }

  /** The `ok: 0` reply for `error`; labels are `explicitLabels` or those MongoDB would add. */
  private errorReply(
    error: unknown,
    command: Document,
    commandName: string,
    explicitLabels: string[] | undefined,
    facts: { changeStreamGetMore?: boolean } = {},
  ): Document {
    let commandError: CommandError;
    if (error instanceof CommandError) {
      commandError = error;
    } else {
      this.deps.onInternalError(error, command);
      const message = error instanceof Error ? error.message : String(error);
      commandError = new CommandError(ErrorCode.InternalError, message);
    }
    const reply = commandError.toReply();
    const labels =
      explicitLabels ??
      (commandError.errorLabels.length > 0
        ? commandError.errorLabels
        : errorLabelsFor({ commandName, command, code: commandError.code, ...facts }));
    if (labels.length > 0) reply.errorLabels = labels;
    else delete reply.errorLabels;
    return reply;
  }

  /**
   * Sends `ok` as a double, as mongod, and adds `$clusterTime` and `operationTime` (replica set
   * only, as mongod).
   */
  private finish(reply: Document): Document {
    reply.ok = new Double(numericValue(reply.ok) === 1 ? 1 : 0);
    if (this.deps.server.replicaSet === false) return reply;
    const now = this.deps.clock.now();
    reply.$clusterTime = {
      clusterTime: now,
      signature: { hash: new Binary(new Uint8Array(20), 0), keyId: Long.fromNumber(0) },
    };
    reply.operationTime = now;
    return reply;
  }
}

/**
 * The command an exhaust stream runs next: an awaitable `hello` sent with `exhaustAllowed` keeps
 * answering, each time from the topology version of its last reply, until an error or the
 * connection's end (mongod's streaming monitoring protocol).
 */
function nextExhaustCommand(incoming: IncomingCommand, reply: Document): Document | undefined {
  const command = incoming.command;
  const name = Object.keys(command)[0] ?? '';
  if (!incoming.exhaustAllowed || numericValue(reply.ok) !== 1) return undefined;
  if (!HELLO_NAMES.has(name) || command.maxAwaitTimeMS === undefined) return undefined;
  return { ...command, topologyVersion: reply.topologyVersion };
}

/** `db.collection` of commands whose first field names a collection. */
function namespaceOf(command: Document, invokedAs: string, dbName: string): string | undefined {
  const target: unknown = invokedAs === 'getMore' ? command.collection : command[invokedAs];
  return typeof target === 'string' ? `${dbName}.${target}` : undefined;
}

function asDocument(value: unknown): Document | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Document)
    : undefined;
}

function codeOf(value: unknown): number | undefined {
  return numericValue(asDocument(value)?.code);
}

/** The stored reply of a retried write, marked as retried the way MongoDB marks it. */
function retriedReply(stored: Document, command: Document): Document {
  const reply: Document = { ...stored };
  delete reply.ok;
  delete reply.errorLabels;
  delete reply.writeConcernError;
  const statements: unknown = command.documents ?? command.updates ?? command.deletes;
  if (Array.isArray(statements)) {
    reply.retriedStmtIds = statements.map((_statement, index) => index);
  } else {
    reply.retriedStmtId = 0;
  }
  reply.ok = 1;
  return reply;
}

/** Waits `ms` (with the global timer, so fake timers control it); ends early on abort. */
function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
