/** Wire protocol opcodes the emulator reads or writes. */
export const OpCode = {
  /** Legacy reply; sent only in answer to an `OP_QUERY`. */
  OP_REPLY: 1,
  /** Legacy query; accepted only for the handshake (`isMaster`/`hello` on `admin.$cmd`). */
  OP_QUERY: 2004,
  /** Compressed message; never negotiated, so never expected. */
  OP_COMPRESSED: 2012,
  /** The extensible message format of every command since MongoDB 3.6. */
  OP_MSG: 2013,
} as const;

/** Size of the standard message header: messageLength, requestID, responseTo, opCode. */
export const HEADER_LENGTH = 16;

/** Largest message the server accepts (what `hello` reports as `maxMessageSizeBytes`). */
export const MAX_MESSAGE_SIZE_BYTES = 48_000_000;

/** Largest BSON document (what `hello` reports as `maxBsonObjectSize`). */
export const MAX_BSON_OBJECT_SIZE = 16 * 1024 * 1024;

/** The standard message header. */
export interface MessageHeader {
  messageLength: number;
  requestId: number;
  responseTo: number;
  opCode: number;
}

/** Reads the header at the start of `message`. */
export function readHeader(message: Buffer): MessageHeader {
  return {
    messageLength: message.readInt32LE(0),
    requestId: message.readInt32LE(4),
    responseTo: message.readInt32LE(8),
    opCode: message.readInt32LE(12),
  };
}

/** Writes a header into the first 16 bytes of `message` (whose length is the message length). */
export function writeHeader(
  message: Buffer,
  header: { requestId: number; responseTo: number; opCode: number },
): void {
  message.writeInt32LE(message.length, 0);
  message.writeInt32LE(header.requestId, 4);
  message.writeInt32LE(header.responseTo, 8);
  message.writeInt32LE(header.opCode, 12);
}
