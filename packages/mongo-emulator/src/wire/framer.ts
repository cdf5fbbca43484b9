import { HEADER_LENGTH, MAX_MESSAGE_SIZE_BYTES } from './opcodes.js';
import { WireProtocolError } from './protocol-error.js';

/**
 * Cuts a TCP byte stream into whole wire messages. Feed it every chunk the socket delivers; it
 * returns the messages completed so far (each a Buffer holding one message, header included).
 */
export class MessageFramer {
  private chunks: Buffer[] = [];
  private buffered = 0;

  /**
   * Adds `chunk` and returns every message now complete.
   * @throws WireProtocolError when a header announces an impossible length.
   */
  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const messages: Buffer[] = [];
    while (this.buffered >= 4) {
      const head = this.peek(4);
      const length = head.readInt32LE(0);
      if (length < HEADER_LENGTH || length > MAX_MESSAGE_SIZE_BYTES) {
        throw new WireProtocolError(`invalid message length ${length}`);
      }
      if (this.buffered < length) break;
      messages.push(this.take(length));
    }
    return messages;
  }

  private peek(length: number): Buffer {
    const first = this.chunks[0];
    if (first !== undefined && first.length >= length) return first.subarray(0, length);
    this.chunks = [Buffer.concat(this.chunks)];
    return (this.chunks[0] as Buffer).subarray(0, length);
  }

  private take(length: number): Buffer {
    const all = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
    const message = Buffer.from(all.subarray(0, length));
    const rest = all.subarray(length);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return message;
  }
}
