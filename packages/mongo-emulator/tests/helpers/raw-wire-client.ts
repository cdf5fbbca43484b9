import { connect, type Socket } from 'node:net';
import { type Document, deserialize, serialize } from 'bson';
import { crc32c } from '../../src/wire/crc32c.js';

/** A reply read off the wire. */
export interface RawReply {
  opCode: number;
  requestId: number;
  responseTo: number;
  /** OP_MSG flag bits, or OP_REPLY responseFlags. */
  flags: number;
  document: Document;
}

/** Options of {@link RawWireClient.sendMsg}. */
export interface RawMsgOptions {
  /** Set the moreToCome bit (no reply expected). */
  moreToCome?: boolean;
  /** Set the exhaustAllowed bit (the client accepts a stream of replies). */
  exhaustAllowed?: boolean;
  /** Append a CRC-32C checksum (set to a number to send that wrong value instead). */
  checksum?: boolean | number;
  /** Kind-1 document sequences to send after the body. */
  sequences?: Record<string, Document[]>;
}

/**
 * A bare-bones wire-protocol client for tests that need what the driver does not expose: exact
 * opcodes, flag bits, checksums, document sequences and replaying a request. Decodes replies with
 * `int64` kept as `Long`.
 */
export class RawWireClient {
  private readonly socket: Socket;
  private buffered = Buffer.alloc(0);
  private readonly replies: RawReply[] = [];
  private waiter: (() => void) | undefined;
  private closedFlag = false;
  private nextRequestId = 1;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.parse();
    });
    socket.on('close', () => {
      this.closedFlag = true;
      this.waiter?.();
    });
    socket.on('error', () => {
      this.closedFlag = true;
      this.waiter?.();
    });
  }

  /** Connects to `port` on 127.0.0.1. */
  static connect(port: number, host = '127.0.0.1'): Promise<RawWireClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, host);
      socket.once('connect', () => resolve(new RawWireClient(socket)));
      socket.once('error', reject);
    });
  }

  /** True once the server closed the connection. */
  get closed(): boolean {
    return this.closedFlag;
  }

  /** Sends an OP_QUERY command on `db.$cmd`; returns its request id. */
  sendQuery(db: string, command: Document): number {
    const name = Buffer.from(`${db}.$cmd\0`, 'utf8');
    const body = serialize(command);
    const message = Buffer.alloc(16 + 4 + name.length + 8 + body.length);
    const requestId = this.header(message, 2004);
    let offset = 16;
    message.writeInt32LE(0, offset);
    offset += 4;
    name.copy(message, offset);
    offset += name.length;
    message.writeInt32LE(0, offset);
    message.writeInt32LE(-1, offset + 4);
    offset += 8;
    message.set(body, offset);
    this.socket.write(message);
    return requestId;
  }

  /** Sends an OP_MSG; returns its request id. */
  sendMsg(command: Document, options: RawMsgOptions = {}): number {
    const parts: Buffer[] = [Buffer.from([0]), Buffer.from(serialize(command))];
    for (const [identifier, documents] of Object.entries(options.sequences ?? {})) {
      const name = Buffer.from(`${identifier}\0`, 'utf8');
      const docs = documents.map((doc) => Buffer.from(serialize(doc)));
      const size = 4 + name.length + docs.reduce((sum, doc) => sum + doc.length, 0);
      const sizeBuffer = Buffer.alloc(4);
      sizeBuffer.writeInt32LE(size, 0);
      parts.push(Buffer.from([1]), sizeBuffer, name, ...docs);
    }
    const flags =
      (options.moreToCome ? 2 : 0) |
      (options.checksum !== undefined ? 1 : 0) |
      (options.exhaustAllowed ? 1 << 16 : 0);
    const sections = Buffer.concat(parts);
    const withChecksum = options.checksum !== undefined && options.checksum !== false;
    const message = Buffer.alloc(16 + 4 + sections.length + (withChecksum ? 4 : 0));
    const requestId = this.header(message, 2013);
    message.writeUInt32LE(withChecksum ? flags : flags & ~1, 16);
    sections.copy(message, 20);
    if (withChecksum) {
      const sum =
        typeof options.checksum === 'number'
          ? options.checksum
          : crc32c(message.subarray(0, message.length - 4));
      message.writeUInt32LE(sum, message.length - 4);
    }
    this.socket.write(message);
    return requestId;
  }

  /** Sends raw bytes. */
  sendBytes(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Sends an OP_MSG and waits for its reply. */
  async command(command: Document, options: RawMsgOptions = {}): Promise<Document> {
    const requestId = this.sendMsg(command, options);
    const reply = await this.nextReply();
    if (reply.responseTo !== requestId) {
      throw new Error(`reply to ${reply.responseTo}, expected ${requestId}`);
    }
    return reply.document;
  }

  /** Waits for the next reply (rejects after `timeoutMs` or when the connection closes). */
  nextReply(timeoutMs = 5_000): Promise<RawReply> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const reply = this.replies.shift();
        if (reply !== undefined) {
          resolve(reply);
          return true;
        }
        if (this.closedFlag) {
          reject(new Error('connection closed'));
          return true;
        }
        return false;
      };
      if (check()) return;
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error(`no reply within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiter = () => {
        if (check()) {
          clearTimeout(timer);
          this.waiter = undefined;
        }
      };
    });
  }

  /** Waits until the server closed the connection (rejects after `timeoutMs`). */
  waitForClose(timeoutMs = 5_000): Promise<void> {
    if (this.closedFlag) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('connection still open')), timeoutMs);
      this.socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Number of replies received and not yet read. */
  get pendingReplies(): number {
    return this.replies.length;
  }

  /** Closes the connection. */
  close(): void {
    this.socket.destroy();
  }

  private header(message: Buffer, opCode: number): number {
    const requestId = this.nextRequestId++;
    message.writeInt32LE(message.length, 0);
    message.writeInt32LE(requestId, 4);
    message.writeInt32LE(0, 8);
    message.writeInt32LE(opCode, 12);
    return requestId;
  }

  private parse(): void {
    while (this.buffered.length >= 4) {
      const length = this.buffered.readInt32LE(0);
      if (this.buffered.length < length) return;
      const message = this.buffered.subarray(0, length);
      this.buffered = this.buffered.subarray(length);
      const opCode = message.readInt32LE(12);
      const requestId = message.readInt32LE(4);
      const responseTo = message.readInt32LE(8);
      const options = { promoteLongs: false };
      if (opCode === 1) {
        const flags = message.readInt32LE(16);
        this.replies.push({
          opCode,
          requestId,
          responseTo,
          flags,
          document: deserialize(message.subarray(36), options),
        });
      } else {
        const flags = message.readUInt32LE(16);
        this.replies.push({
          opCode,
          requestId,
          responseTo,
          flags,
          document: deserialize(message.subarray(21), options),
        });
      }
      this.waiter?.();
    }
  }
}
