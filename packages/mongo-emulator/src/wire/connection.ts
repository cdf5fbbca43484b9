import type { Socket } from 'node:net';
import type { Document } from 'bson';
import { MessageFramer } from './framer.js';
import { decodeOpMsg, encodeOpMsg, OpMsgFlags } from './op-msg.js';
import { decodeOpQuery, encodeOpReply } from './op-query.js';
import { OpCode, readHeader } from './opcodes.js';
import { WireProtocolError } from './protocol-error.js';

/** One command as it arrived on a connection, whatever the opcode. */
export interface IncomingCommand {
  /** The command document (OP_MSG kind-1 sequences already merged in). */
  command: Document;
  /** `$db` of an OP_MSG (undefined when missing), or the database of an OP_QUERY namespace. */
  dbName: string | undefined;
  protocol: 'OP_MSG' | 'OP_QUERY';
  /** The client expects no reply (OP_MSG `moreToCome`). */
  moreToCome: boolean;
  /** The client accepts a stream of replies (OP_MSG `exhaustAllowed`). */
  exhaustAllowed: boolean;
}

/**
 * What to do after a command: send `reply`, or close the connection without replying. With
 * `next`, the reply is one of an exhaust stream (sent with `moreToCome`): the server then runs
 * `next` as if the client had sent it, and so on until a reply has no `next`.
 */
export type CommandOutcome =
  | { kind: 'reply'; reply: Document; next?: Document }
  | { kind: 'close' };

/** Runs the commands of a connection. */
export type CommandRunner = (
  incoming: IncomingCommand,
  connection: ClientConnection,
) => Promise<CommandOutcome>;

/** What the server learns about a client from its handshake. */
export interface ClientMetadata {
  /** `client.application.name` of the first hello (the driver's `appName`). */
  appName?: string;
  /** The whole `client` document of the first hello. */
  document: Document;
}

/**
 * One client TCP connection: frames the byte stream into messages, runs their commands one after
 * another (in arrival order) and writes the replies.
 */
export class ClientConnection {
  readonly id: number;
  readonly socket: Socket;
  /** `host:port` of the client end, as `whatsmyuri` reports it. */
  readonly remoteAddress: string;
  /** Set by the first hello that carries `client` metadata. */
  clientMetadata: ClientMetadata | undefined;
  private readonly framer = new MessageFramer();
  private readonly runner: CommandRunner;
  private readonly onFailure: (error: unknown) => void;
  private queue: Promise<void> = Promise.resolve();
  private nextRequestId = 1;
  private closed = false;
  private readonly closeListeners: Array<() => void> = [];

  /**
   * @param onFailure - Told of every error that closed the connection other than a malformed
   * message (MongoDB closes those too, silently).
   */
  constructor(
    id: number,
    socket: Socket,
    runner: CommandRunner,
    onFailure: (error: unknown) => void,
  ) {
    this.id = id;
    this.socket = socket;
    this.runner = runner;
    this.onFailure = onFailure;
    this.remoteAddress = `${socket.remoteAddress ?? 'unknown'}:${socket.remotePort ?? 0}`;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => this.destroy());
    socket.on('close', () => this.markClosed());
  }

  /** True once the socket is closed or destroyed. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Calls `listener` once when the connection closes; returns the function that removes it. */
  onClose(listener: () => void): () => void {
    if (this.closed) {
      listener();
      return () => {};
    }
    this.closeListeners.push(listener);
    return () => {
      const at = this.closeListeners.indexOf(listener);
      if (at >= 0) this.closeListeners.splice(at, 1);
    };
  }

  /** Destroys the socket at once, without replying to anything pending. */
  destroy(): void {
    this.socket.destroy();
    this.markClosed();
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    for (const listener of this.closeListeners.splice(0)) listener();
  }

  private onData(chunk: Buffer): void {
    let messages: Buffer[];
    try {
      messages = this.framer.push(chunk);
    } catch (error) {
      this.protocolFailure(error);
      return;
    }
    for (const message of messages) {
      this.queue = this.queue
        .then(() => this.handleMessage(message))
        .catch((error: unknown) => {
          // A message that could not be answered (a reply that cannot be encoded, a bug) closes
          // the connection, so the client sees a network error rather than waiting forever.
          this.destroy();
          this.onFailure(error);
        });
    }
  }

  private async handleMessage(message: Buffer): Promise<void> {
    if (this.closed) return;
    const header = readHeader(message);
    let incoming: IncomingCommand;
    try {
      incoming = decode(message, header.opCode);
    } catch (error) {
      this.protocolFailure(error);
      return;
    }
    let current = incoming;
    let responseTo = header.requestId;
    for (;;) {
      const outcome = await this.runner(current, this);
      if (this.closed) return;
      if (outcome.kind === 'close') {
        this.destroy();
        return;
      }
      if (current.moreToCome) return;
      const requestId = this.nextRequestId++;
      const streaming = outcome.next !== undefined && current.protocol === 'OP_MSG';
      const encoded =
        current.protocol === 'OP_QUERY'
          ? encodeOpReply(outcome.reply, requestId, responseTo)
          : encodeOpMsg(
              outcome.reply,
              requestId,
              responseTo,
              streaming ? OpMsgFlags.moreToCome : 0,
            );
      this.socket.write(encoded);
      if (!streaming || outcome.next === undefined) return;
      // The next reply of an exhaust stream answers this reply, as mongod's do.
      responseTo = requestId;
      current = { ...current, command: outcome.next };
    }
  }

  /** A malformed message: MongoDB closes the connection. Anything else is a bug and rethrown. */
  private protocolFailure(error: unknown): void {
    this.destroy();
    if (!(error instanceof WireProtocolError) && !isBsonError(error)) throw error;
  }
}

function isBsonError(error: unknown): boolean {
  return error instanceof Error && error.name.startsWith('BSON');
}

function decode(message: Buffer, opCode: number): IncomingCommand {
  if (opCode === OpCode.OP_MSG) {
    const request = decodeOpMsg(message);
    const db = request.command.$db;
    return {
      command: request.command,
      dbName: typeof db === 'string' ? db : undefined,
      protocol: 'OP_MSG',
      moreToCome: request.moreToCome,
      exhaustAllowed: (request.flags & OpMsgFlags.exhaustAllowed) !== 0,
    };
  }
  if (opCode === OpCode.OP_QUERY) {
    const request = decodeOpQuery(message);
    const dot = request.fullCollectionName.indexOf('.');
    if (dot < 0 || request.fullCollectionName.slice(dot + 1) !== '$cmd') {
      throw new WireProtocolError('OP_QUERY is only supported for commands');
    }
    return {
      command: request.command,
      dbName: request.fullCollectionName.slice(0, dot),
      protocol: 'OP_QUERY',
      moreToCome: false,
      exhaustAllowed: false,
    };
  }
  throw new WireProtocolError(`unsupported opcode ${opCode}`);
}
