import type { Document } from 'bson';
import { setField } from '../query/fields.js';
import { decodeDocument, encodeDocument } from './bson-options.js';
import { crc32c } from './crc32c.js';
import { HEADER_LENGTH, OpCode, writeHeader } from './opcodes.js';
import { WireProtocolError } from './protocol-error.js';

/** OP_MSG flag bits. */
export const OpMsgFlags = {
  checksumPresent: 1 << 0,
  moreToCome: 1 << 1,
  exhaustAllowed: 1 << 16,
} as const;

/** Bits 0-15 are "required": a receiver must reject any it does not know. */
const KNOWN_REQUIRED_BITS = OpMsgFlags.checksumPresent | OpMsgFlags.moreToCome;
const REQUIRED_BITS_MASK = 0xffff;

/** A decoded OP_MSG request. */
export interface OpMsgRequest {
  flags: number;
  /** The kind-0 body with every kind-1 document sequence merged in under its identifier. */
  command: Document;
  /** True when the client expects no reply. */
  moreToCome: boolean;
}

/**
 * Decodes an OP_MSG (header included). Kind-1 document sequences are merged into the body as arrays
 * under their identifier, so command handlers see one document whichever way the driver sent it.
 * A present checksum is verified.
 * @throws WireProtocolError for a malformed message.
 */
export function decodeOpMsg(message: Buffer): OpMsgRequest {
  const flags = message.readUInt32LE(HEADER_LENGTH);
  const unknownRequired = flags & REQUIRED_BITS_MASK & ~KNOWN_REQUIRED_BITS;
  if (unknownRequired !== 0) {
    throw new WireProtocolError(`OP_MSG contains unknown required flag bits ${unknownRequired}`);
  }
  let end = message.length;
  if (flags & OpMsgFlags.checksumPresent) {
    end -= 4;
    if (end < HEADER_LENGTH + 4) throw new WireProtocolError('OP_MSG too short for its checksum');
    const expected = message.readUInt32LE(end);
    if (crc32c(message.subarray(0, end)) !== expected) {
      throw new WireProtocolError('OP_MSG checksum does not match its contents');
    }
  }
  let offset = HEADER_LENGTH + 4;
  let body: Document | undefined;
  const sequences: Array<[string, Document[]]> = [];
  while (offset < end) {
    const kind = message.readUInt8(offset);
    offset += 1;
    if (kind === 0) {
      if (body !== undefined) throw new WireProtocolError('OP_MSG has more than one body section');
      const size = readDocumentSize(message, offset, end);
      body = decodeDocument(message.subarray(offset, offset + size));
      offset += size;
    } else if (kind === 1) {
      const sectionSize = message.readInt32LE(offset);
      const sectionEnd = offset + sectionSize;
      if (sectionSize < 5 || sectionEnd > end) {
        throw new WireProtocolError('OP_MSG document sequence has an invalid size');
      }
      const nameEnd = message.indexOf(0, offset + 4);
      if (nameEnd < 0 || nameEnd >= sectionEnd) {
        throw new WireProtocolError('OP_MSG document sequence has no identifier');
      }
      const identifier = message.toString('utf8', offset + 4, nameEnd);
      const documents: Document[] = [];
      let position = nameEnd + 1;
      while (position < sectionEnd) {
        const size = readDocumentSize(message, position, sectionEnd);
        documents.push(decodeDocument(message.subarray(position, position + size)));
        position += size;
      }
      sequences.push([identifier, documents]);
      offset = sectionEnd;
    } else {
      throw new WireProtocolError(`OP_MSG has an unknown section kind ${kind}`);
    }
  }
  if (body === undefined) throw new WireProtocolError('OP_MSG has no body section');
  for (const [identifier, documents] of sequences) {
    if (Object.hasOwn(body, identifier)) {
      throw new WireProtocolError(
        `OP_MSG field '${identifier}' is both in the body and a sequence`,
      );
    }
    setField(body, identifier, documents);
  }
  return { flags, command: body, moreToCome: (flags & OpMsgFlags.moreToCome) !== 0 };
}

function readDocumentSize(message: Buffer, offset: number, end: number): number {
  if (offset + 4 > end) throw new WireProtocolError('truncated BSON document');
  const size = message.readInt32LE(offset);
  if (size < 5 || offset + size > end) throw new WireProtocolError('invalid BSON document size');
  return size;
}

/**
 * Encodes an OP_MSG reply with one body section (the emulator never sends a checksum); `flags` may
 * set `moreToCome` (one reply of an exhaust stream).
 */
export function encodeOpMsg(
  reply: Document,
  requestId: number,
  responseTo: number,
  flags = 0,
): Buffer {
  const body = encodeDocument(reply);
  const message = Buffer.alloc(HEADER_LENGTH + 4 + 1 + body.length);
  writeHeader(message, { requestId, responseTo, opCode: OpCode.OP_MSG });
  message.writeUInt32LE(flags, HEADER_LENGTH);
  message.writeUInt8(0, HEADER_LENGTH + 4);
  message.set(body, HEADER_LENGTH + 5);
  return message;
}
