import { Long } from 'bson';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MongoEmulator } from '../../src/index.js';
import { RawWireClient } from '../helpers/raw-wire-client.js';

describe('wire protocol', () => {
  let server: MongoEmulator;
  let raw: RawWireClient;

  beforeEach(async () => {
    server = await MongoEmulator.start({ port: 0 });
    raw = await RawWireClient.connect(server.port);
  });

  afterEach(async () => {
    raw.close();
    await server.stop();
  });

  it('answers an OP_QUERY isMaster with an OP_REPLY', async () => {
    const requestId = raw.sendQuery('admin', { isMaster: 1, helloOk: true });
    const reply = await raw.nextReply();
    expect(reply.opCode).toBe(1);
    expect(reply.responseTo).toBe(requestId);
    expect(reply.document).toMatchObject({ ismaster: true, helloOk: true, setName: 'rs0', ok: 1 });
    expect(reply.document.isWritablePrimary).toBeUndefined();
  });

  it('unwraps an OP_QUERY $query wrapper', async () => {
    raw.sendQuery('admin', { $query: { isMaster: 1 }, $readPreference: { mode: 'primary' } });
    const reply = await raw.nextReply();
    expect(reply.document.ismaster).toBe(true);
    expect(reply.document.helloOk).toBeUndefined();
  });

  it('refuses OP_QUERY for anything but the handshake, as MongoDB 6+', async () => {
    raw.sendQuery('admin', { ping: 1 });
    const reply = await raw.nextReply();
    expect(reply.opCode).toBe(1);
    expect(reply.document).toMatchObject({
      ok: 0,
      code: 352,
      codeName: 'UnsupportedOpQueryCommand',
    });
  });

  it('answers OP_MSG with OP_MSG, echoing the request id', async () => {
    const requestId = raw.sendMsg({ ping: 1, $db: 'admin' });
    const reply = await raw.nextReply();
    expect(reply.opCode).toBe(2013);
    expect(reply.flags).toBe(0);
    expect(reply.responseTo).toBe(requestId);
    expect(reply.document.ok).toBe(1);
  });

  it('requires $db on OP_MSG', async () => {
    const reply = await raw.command({ ping: 1 });
    expect(reply).toMatchObject({ ok: 0, code: 40571 });
  });

  it('accepts a correct CRC-32C checksum and never sends one', async () => {
    raw.sendMsg({ ping: 1, $db: 'admin' }, { checksum: true });
    const reply = await raw.nextReply();
    expect(reply.document.ok).toBe(1);
    expect(reply.flags & 1).toBe(0);
  });

  it('closes the connection on a wrong checksum', async () => {
    raw.sendMsg({ ping: 1, $db: 'admin' }, { checksum: 12345 });
    await raw.waitForClose();
    expect(raw.closed).toBe(true);
  });

  it('closes the connection on an unknown opcode', async () => {
    const message = Buffer.alloc(20);
    message.writeInt32LE(20, 0);
    message.writeInt32LE(1, 4);
    message.writeInt32LE(0, 8);
    message.writeInt32LE(2001, 12); // OP_UPDATE, removed in MongoDB 6
    raw.sendBytes(message);
    await raw.waitForClose();
    expect(raw.closed).toBe(true);
  });

  it('closes the connection on an impossible message length', async () => {
    const message = Buffer.alloc(16);
    message.writeInt32LE(8, 0);
    raw.sendBytes(message);
    await raw.waitForClose();
    expect(raw.closed).toBe(true);
  });

  it('runs a moreToCome message without replying to it', async () => {
    const sessionId = { id: new (await import('bson')).UUID() };
    raw.sendMsg({ endSessions: [sessionId], $db: 'admin' }, { moreToCome: true });
    const pingId = raw.sendMsg({ ping: 1, $db: 'admin' });
    const reply = await raw.nextReply();
    expect(reply.responseTo).toBe(pingId);
    expect(raw.pendingReplies).toBe(0);
  });

  it('answers messages split across TCP packets and several in one packet', async () => {
    const first = Buffer.from((await import('bson')).serialize({ ping: 1, $db: 'admin' }));
    const frame = (id: number): Buffer => {
      const message = Buffer.alloc(21 + first.length);
      message.writeInt32LE(message.length, 0);
      message.writeInt32LE(id, 4);
      message.writeInt32LE(0, 8);
      message.writeInt32LE(2013, 12);
      message.writeUInt32LE(0, 16);
      message.writeUInt8(0, 20);
      first.copy(message, 21);
      return message;
    };
    const both = Buffer.concat([frame(101), frame(102)]);
    raw.sendBytes(both.subarray(0, 7));
    raw.sendBytes(both.subarray(7));
    const a = await raw.nextReply();
    const b = await raw.nextReply();
    expect([a.responseTo, b.responseTo]).toEqual([101, 102]);
  });

  it('answers CursorNotFound for an unknown cursor id', async () => {
    const reply = await raw.command({
      getMore: Long.fromNumber(12345),
      collection: 'c',
      $db: 'test',
    });
    expect(reply).toMatchObject({ ok: 0, code: 43, errmsg: 'cursor id 12345 not found' });
  });
});
