import type { Document } from 'bson';
import { decodeDocument, encodeDocument } from './bson-options.js';
import { HEADER_LENGTH, OpCode, writeHeader } from './opcodes.js';
import { WireProtocolError } from './protocol-error.js';

/** A decoded legacy OP_QUERY. */
export interface OpQueryRequest {
  /** e.g. `admin.$cmd`. */
  fullCollectionName: string;
  /** The query document with a `$query` wrapper (and `$readPreference` beside it) unwrapped. */
  command: Document;
}

/**
 * Decodes an OP_QUERY (header included). Drivers send it only for the first `isMaster`/`hello` of a
 * connection.
 * @throws WireProtocolError for a malformed message.
 */
export function decodeOpQuery(message: Buffer): OpQueryRequest {
  let offset = HEADER_LENGTH + 4; // flags
  const nameEnd = message.indexOf(0, offset);
  if (nameEnd < 0) throw new WireProtocolError('OP_QUERY has no collection name');
  const fullCollectionName = message.toString('utf8', offset, nameEnd);
  offset = nameEnd + 1 + 8; // numberToSkip, numberToReturn
  if (offset + 4 > message.length) throw new WireProtocolError('OP_QUERY is truncated');
  const size = message.readInt32LE(offset);
  if (size < 5 || offset + size > message.length) {
    throw new WireProtocolError('OP_QUERY query has an invalid size');
  }
  const query = decodeDocument(message.subarray(offset, offset + size));
  let command = query;
  const wrapped: unknown = query.$query;
  if (wrapped !== null && typeof wrapped === 'object') {
    command = { ...(wrapped as Document) };
    if (query.$readPreference !== undefined) command.$readPreference = query.$readPreference;
  }
  return { fullCollectionName, command };
}

/** Encodes an OP_REPLY carrying one document (the answer to an OP_QUERY command). */
export function encodeOpReply(reply: Document, requestId: number, responseTo: number): Buffer {
  const body = encodeDocument(reply);
  const fixed = 4 + 8 + 4 + 4; // responseFlags, cursorID, startingFrom, numberReturned
  const message = Buffer.alloc(HEADER_LENGTH + fixed + body.length);
  writeHeader(message, { requestId, responseTo, opCode: OpCode.OP_REPLY });
  let offset = HEADER_LENGTH;
  message.writeInt32LE(0, offset); // responseFlags
  offset += 4;
  message.writeBigInt64LE(0n, offset); // cursorID
  offset += 8;
  message.writeInt32LE(0, offset); // startingFrom
  offset += 4;
  message.writeInt32LE(1, offset); // numberReturned
  offset += 4;
  message.set(body, offset);
  return message;
}
