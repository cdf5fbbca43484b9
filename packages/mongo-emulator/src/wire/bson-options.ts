import { type DeserializeOptions, type Document, deserialize, serialize } from 'bson';

/**
 * How the emulator decodes every incoming BSON document: numbers keep their BSON type (`Int32`,
 * `Double`, `Long`, `Decimal128` instances, so stored documents round-trip exactly and `$type`
 * sees the type the client sent), binary stays `Binary`, regular expressions become `RegExp`.
 */
export const DESERIALIZE_OPTIONS: DeserializeOptions = {
  promoteValues: false,
  promoteLongs: false,
  promoteBuffers: false,
};

/** Decodes one BSON document from `buffer` (exactly `buffer.length` bytes). */
export function decodeDocument(buffer: Uint8Array): Document {
  return deserialize(buffer, DESERIALIZE_OPTIONS);
}

/** Encodes a reply document. */
export function encodeDocument(document: Document): Uint8Array {
  return serialize(document, { checkKeys: false, ignoreUndefined: true });
}
