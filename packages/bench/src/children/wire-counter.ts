/** MongoDB wire protocol opcodes the counter names. */
const OP_MSG = 2013;
const OP_QUERY = 2004;
const OP_COMPRESSED = 2012;

/** Bytes of a message the counter reads to name its command (the rest is skipped). */
const HEAD_BYTES = 160;

/**
 * Counts the request messages of one client connection by command name, reading only the head of
 * each message: OP_MSG names its command in the first key of its body (`{ find: … }`).
 */
export class WireCounter {
  readonly #count: (command: string) => void;
  #head: Buffer = Buffer.alloc(0);
  /** Bytes of the current message still to skip once its head was read. */
  #skip = 0;

  constructor(count: (command: string) => void) {
    this.#count = count;
  }

  onData(chunk: Buffer): void {
    let data = chunk;
    while (data.length > 0) {
      if (this.#skip > 0) {
        const skipped = Math.min(this.#skip, data.length);
        this.#skip -= skipped;
        data = data.subarray(skipped);
        continue;
      }
      this.#head = this.#head.length === 0 ? data : Buffer.concat([this.#head, data]);
      data = Buffer.alloc(0);
      if (this.#head.length < 16) {
        return;
      }
      const length = this.#head.readInt32LE(0);
      if (this.#head.length < Math.min(length, HEAD_BYTES)) {
        return;
      }
      this.#count(commandName(this.#head));
      if (this.#head.length >= length) {
        data = this.#head.subarray(length);
      } else {
        this.#skip = length - this.#head.length;
      }
      this.#head = Buffer.alloc(0);
    }
  }
}

/** The command of a request message (its opcode's name when it is not an OP_MSG). */
export function commandName(message: Buffer): string {
  const opCode = message.readInt32LE(12);
  if (opCode === OP_QUERY) {
    return 'handshake (OP_QUERY)';
  }
  if (opCode === OP_COMPRESSED) {
    return 'compressed';
  }
  if (opCode !== OP_MSG || message.length < 27 || message[20] !== 0) {
    return `opcode ${opCode}`;
  }
  // flagBits (4 bytes at 16), section kind 0 at 20, BSON body at 21: length (4), element type
  // (1), then the element's key as a C string: the command name.
  const nameStart = 26;
  const nameEnd = message.indexOf(0, nameStart);
  return nameEnd < 0 ? 'unknown' : message.toString('utf8', nameStart, nameEnd);
}
