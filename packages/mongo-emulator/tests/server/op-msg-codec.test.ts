import { Double, deserialize, Int32, Long, serialize } from 'bson';
import { describe, expect, it } from 'vitest';
import { crc32c } from '../../src/wire/crc32c.js';
import { MessageFramer } from '../../src/wire/framer.js';
import { decodeOpMsg, encodeOpMsg } from '../../src/wire/op-msg.js';
import { WireProtocolError } from '../../src/wire/protocol-error.js';

function opMsg(flags: number, sections: Buffer[]): Buffer {
  const body = Buffer.concat(sections);
  const message = Buffer.alloc(20 + body.length);
  message.writeInt32LE(message.length, 0);
  message.writeInt32LE(7, 4);
  message.writeInt32LE(0, 8);
  message.writeInt32LE(2013, 12);
  message.writeUInt32LE(flags, 16);
  body.copy(message, 20);
  return message;
}

function kind0(doc: object): Buffer {
  return Buffer.concat([Buffer.from([0]), Buffer.from(serialize(doc))]);
}

function kind1(identifier: string, docs: object[]): Buffer {
  const name = Buffer.from(`${identifier}\0`);
  const encoded = docs.map((doc) => Buffer.from(serialize(doc)));
  const size = Buffer.alloc(4);
  size.writeInt32LE(4 + name.length + encoded.reduce((n, d) => n + d.length, 0));
  return Buffer.concat([Buffer.from([1]), size, name, ...encoded]);
}

describe('OP_MSG codec', () => {
  it('merges kind-1 document sequences into the body under their identifier', () => {
    const message = opMsg(0, [
      kind0({ insert: 'c', $db: 'test' }),
      kind1('documents', [{ _id: 'a' }, { _id: 'b' }]),
    ]);
    const decoded = decodeOpMsg(message);
    expect(decoded.command).toEqual({
      insert: 'c',
      $db: 'test',
      documents: [{ _id: 'a' }, { _id: 'b' }],
    });
    expect(decoded.moreToCome).toBe(false);
  });

  it('accepts a sequence before the body', () => {
    const message = opMsg(0, [kind1('updates', [{ q: {} }]), kind0({ update: 'c', $db: 'x' })]);
    expect(decodeOpMsg(message).command).toEqual({ update: 'c', $db: 'x', updates: [{ q: {} }] });
  });

  it('reads the moreToCome bit and ignores exhaustAllowed', () => {
    const decoded = decodeOpMsg(opMsg(2 | (1 << 16), [kind0({ ping: 1 })]));
    expect(decoded.moreToCome).toBe(true);
  });

  it('rejects unknown required flag bits', () => {
    expect(() => decodeOpMsg(opMsg(1 << 3, [kind0({ ping: 1 })]))).toThrow(WireProtocolError);
  });

  it('rejects a message without a body, with two bodies or a field both ways', () => {
    expect(() => decodeOpMsg(opMsg(0, [kind1('documents', [{}])]))).toThrow(WireProtocolError);
    expect(() => decodeOpMsg(opMsg(0, [kind0({ a: 1 }), kind0({ b: 1 })]))).toThrow(
      WireProtocolError,
    );
    expect(() =>
      decodeOpMsg(opMsg(0, [kind0({ insert: 'c', documents: [] }), kind1('documents', [{}])])),
    ).toThrow(WireProtocolError);
  });

  it('verifies a checksum', () => {
    const unsigned = opMsg(1, [kind0({ ping: true })]);
    const signed = Buffer.concat([unsigned, Buffer.alloc(4)]);
    signed.writeInt32LE(signed.length, 0);
    signed.writeUInt32LE(crc32c(signed.subarray(0, signed.length - 4)), signed.length - 4);
    expect(decodeOpMsg(signed).command).toEqual({ ping: true });
    signed.writeUInt32LE(0, signed.length - 4);
    expect(() => decodeOpMsg(signed)).toThrow(/checksum/);
  });

  it('computes CRC-32C as specified (check value of "123456789")', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
  });

  it('keeps the BSON type of numbers', () => {
    const decoded = decodeOpMsg(
      opMsg(0, [kind0({ i: new Int32(1), d: new Double(1), l: Long.fromNumber(1) })]),
    );
    expect(decoded.command.i).toBeInstanceOf(Int32);
    expect(decoded.command.d).toBeInstanceOf(Double);
    expect(decoded.command.l).toBeInstanceOf(Long);
  });

  it('encodes a reply with one body section and no flags', () => {
    const encoded = encodeOpMsg({ ok: 1 }, 5, 9);
    expect(encoded.readInt32LE(0)).toBe(encoded.length);
    expect(encoded.readInt32LE(8)).toBe(9);
    expect(encoded.readInt32LE(12)).toBe(2013);
    expect(encoded.readUInt32LE(16)).toBe(0);
    expect(deserialize(encoded.subarray(21))).toEqual({ ok: 1 });
  });

  it('frames messages from arbitrary chunks', () => {
    const framer = new MessageFramer();
    const a = opMsg(0, [kind0({ a: 'x' })]);
    const b = opMsg(0, [kind0({ b: 'y' })]);
    const stream = Buffer.concat([a, b]);
    const out: Buffer[] = [];
    for (let i = 0; i < stream.length; i += 3) out.push(...framer.push(stream.subarray(i, i + 3)));
    expect(out.map((m) => decodeOpMsg(m).command)).toEqual([{ a: 'x' }, { b: 'y' }]);
  });
});
