import { DBRef, type DeserializeOptions, type Document, deserialize, serialize } from 'bson';
import { setField } from '../query/fields.js';

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

/** `$ref` followed by the NUL that ends a BSON field name. */
const REF_NAME = Buffer.from('$ref\0', 'latin1');

/**
 * Decodes one BSON document from `buffer` (exactly `buffer.length` bytes). The bson library turns
 * every embedded `{$ref, $id, $db?, …}` into a `DBRef` object whose properties are `collection`,
 * `oid`, …; MongoDB stores and queries a DBRef as the ordinary embedded document it is (paths
 * `ref.$id`, `$elemMatch: {$ref: …}`), so DBRefs are turned back into documents with the same
 * field order (re-encoding them gives the same bytes).
 */
export function decodeDocument(buffer: Uint8Array): Document {
  const document = deserialize(buffer, DESERIALIZE_OPTIONS);
  if (Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength).includes(REF_NAME)) {
    return plainDBRefs(document) as Document;
  }
  return document;
}

function plainDBRefs(value: unknown): unknown {
  if (value instanceof DBRef) {
    const out: Document = { $ref: value.collection, $id: plainDBRefs(value.oid) };
    if (value.db !== undefined) out.$db = value.db;
    for (const [name, field] of Object.entries(value.fields))
      setField(out, name, plainDBRefs(field));
    return out;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) value[i] = plainDBRefs(value[i]);
    return value;
  }
  if (value !== null && typeof value === 'object' && !('_bsontype' in value)) {
    for (const [name, field] of Object.entries(value)) setField(value, name, plainDBRefs(field));
  }
  return value;
}

/** Encodes a reply document. */
export function encodeDocument(document: Document): Uint8Array {
  return serialize(document, { checkKeys: false, ignoreUndefined: true });
}
