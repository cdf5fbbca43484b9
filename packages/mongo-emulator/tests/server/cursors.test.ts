import { Long, UUID } from 'bson';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CursorBatch, CursorSource } from '../../src/commands/context.js';
import { arraySource, ServerCursorManager } from '../../src/cursors.js';
import { MongoEmulator } from '../../src/index.js';
import { RawWireClient } from '../helpers/raw-wire-client.js';

function docs(n: number): Array<{ i: number }> {
  return Array.from({ length: n }, (_, i) => ({ i }));
}

describe('cursors over the wire', () => {
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

  it('serves getMore batches until the cursor is exhausted', async () => {
    const first = await server.cursors.open('test.c', arraySource(docs(5)), { batchSize: 2 });
    expect(first.firstBatch).toHaveLength(2);
    const id = first.id as Long;
    expect(id.isZero()).toBe(false);

    const second = await raw.command({ getMore: id, collection: 'c', batchSize: 2, $db: 'test' });
    expect(second.ok).toBe(1);
    expect(second.cursor.nextBatch.map((d: { i: number }) => d.i)).toEqual([2, 3]);
    expect(second.cursor.id).toEqual(id);
    expect(second.cursor.ns).toBe('test.c');

    const last = await raw.command({ getMore: id, collection: 'c', $db: 'test' });
    expect(last.cursor.nextBatch.map((d: { i: number }) => d.i)).toEqual([4]);
    expect((last.cursor.id as Long).isZero()).toBe(true);
    expect(server.cursors.has(id)).toBe(false);

    const gone = await raw.command({ getMore: id, collection: 'c', $db: 'test' });
    expect(gone).toMatchObject({ ok: 0, code: 43, errmsg: `cursor id ${id.toString()} not found` });
  });

  it('returns id 0 and registers nothing when the first batch holds everything', async () => {
    const first = await server.cursors.open('test.c', arraySource(docs(3)), {});
    expect((first.id as Long).isZero()).toBe(true);
    expect(server.cursors.size).toBe(0);
  });

  it('closes a singleBatch cursor after the first batch', async () => {
    const first = await server.cursors.open('test.c', arraySource(docs(3)), {
      batchSize: 1,
      singleBatch: true,
    });
    expect((first.id as Long).isZero()).toBe(true);
  });

  it('refuses getMore on another namespace', async () => {
    const first = await server.cursors.open('test.c', arraySource(docs(3)), { batchSize: 1 });
    const reply = await raw.command({ getMore: first.id, collection: 'other', $db: 'test' });
    expect(reply).toMatchObject({
      ok: 0,
      code: 13,
      codeName: 'Unauthorized',
      errmsg:
        "Requested getMore on namespace 'test.other', but cursor belongs to a different namespace test.c",
    });
  });

  it('refuses a getMore id that is not int64 and a missing collection', async () => {
    const notLong = await raw.command({ getMore: 5, collection: 'c', $db: 'test' });
    expect(notLong).toMatchObject({ ok: 0, code: 14 });
    const noCollection = await raw.command({ getMore: Long.fromNumber(5), $db: 'test' });
    expect(noCollection).toMatchObject({ ok: 0, code: 40414 });
  });

  it('checks the session of a cursor opened in a session', async () => {
    const lsid = { id: new UUID() };
    const first = await server.cursors.open('test.c', arraySource(docs(3)), {
      batchSize: 1,
      lsid,
    });
    const without = await raw.command({ getMore: first.id, collection: 'c', $db: 'test' });
    expect(without).toMatchObject({ ok: 0, code: 50737 });
    const other = await raw.command({
      getMore: first.id,
      collection: 'c',
      lsid: { id: new UUID() },
      $db: 'test',
    });
    expect(other).toMatchObject({ ok: 0, code: 50738 });
    const same = await raw.command({ getMore: first.id, collection: 'c', lsid, $db: 'test' });
    expect(same.ok).toBe(1);
  });

  it('killCursors reports killed and unknown cursors', async () => {
    const a = await server.cursors.open('test.c', arraySource(docs(3)), { batchSize: 1 });
    const b = await server.cursors.open('test.d', arraySource(docs(3)), { batchSize: 1 });
    const unknown = Long.fromNumber(424242);
    const reply = await raw.command({
      killCursors: 'c',
      cursors: [a.id, b.id, unknown],
      $db: 'test',
    });
    expect(reply.ok).toBe(1);
    expect(reply.cursorsKilled).toEqual([a.id]);
    expect(reply.cursorsNotFound).toEqual([b.id, unknown]);
    expect(reply.cursorsAlive).toEqual([]);
    expect(reply.cursorsUnknown).toEqual([]);
    expect(server.cursors.has(a.id as Long)).toBe(false);
    expect(server.cursors.has(b.id as Long)).toBe(true);
  });

  it('endSessions kills the cursors of the ended sessions', async () => {
    const lsid = { id: new UUID() };
    const first = await server.cursors.open('test.c', arraySource(docs(3)), {
      batchSize: 1,
      lsid,
    });
    const reply = await raw.command({ endSessions: [lsid], $db: 'admin' });
    expect(reply.ok).toBe(1);
    expect(server.cursors.has(first.id as Long)).toBe(false);
  });

  it('passes maxTimeMS as the await time of awaitable cursors only', async () => {
    const calls: Array<number | undefined> = [];
    const source: CursorSource = {
      nextBatch(_size, awaitDataMs): Promise<CursorBatch> {
        calls.push(awaitDataMs);
        return Promise.resolve({ documents: [], exhausted: false });
      },
      close() {},
    };
    const awaitable = await server.cursors.open('test.c', source, { awaitable: true });
    await raw.command({ getMore: awaitable.id, collection: 'c', maxTimeMS: 250, $db: 'test' });
    await raw.command({ getMore: awaitable.id, collection: 'c', $db: 'test' });
    const plain = await server.cursors.open('test.c', source, {});
    await raw.command({ getMore: plain.id, collection: 'c', maxTimeMS: 250, $db: 'test' });
    expect(calls).toEqual([undefined, 250, 1000, undefined, undefined]);
  });

  it('kills every cursor on stop', async () => {
    let closed = false;
    const source: CursorSource = {
      nextBatch: () => Promise.resolve({ documents: [], exhausted: false }),
      close: () => {
        closed = true;
      },
    };
    await server.cursors.open('test.c', source, {});
    await server.stop();
    expect(closed).toBe(true);
    expect(server.cursors.size).toBe(0);
  });
});

describe('cursor expiry', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('kills a cursor idle for cursorTimeoutMs, and use postpones it', async () => {
    vi.useFakeTimers();
    const manager = new ServerCursorManager({ cursorTimeoutMs: 1000 });
    const first = await manager.open('test.c', arraySource(docs(10)), { batchSize: 1 });
    const id = first.id as Long;
    vi.advanceTimersByTime(900);
    await manager.getMore(id, 'test.c', { batchSize: 1 });
    vi.advanceTimersByTime(900);
    expect(manager.has(id)).toBe(true);
    vi.advanceTimersByTime(200);
    expect(manager.has(id)).toBe(false);
    await expect(manager.getMore(id, 'test.c')).rejects.toMatchObject({ code: 43 });
  });

  it('does not expire a cursor while a getMore waits on it', async () => {
    vi.useFakeTimers();
    const manager = new ServerCursorManager({ cursorTimeoutMs: 100 });
    let release: (batch: CursorBatch) => void = () => {};
    let calls = 0;
    const source: CursorSource = {
      nextBatch: () => {
        calls += 1;
        if (calls === 1) return Promise.resolve({ documents: [], exhausted: false });
        return new Promise((resolve) => {
          release = resolve;
        });
      },
      close() {},
    };
    const first = await manager.open('test.c', source, { awaitable: true });
    const id = first.id as Long;
    const pending = manager.getMore(id, 'test.c', { maxTimeMS: 5000 });
    vi.advanceTimersByTime(500);
    expect(manager.has(id)).toBe(true);
    release({ documents: [{ x: 1 }], exhausted: false });
    const result = await pending;
    expect(result.cursor.nextBatch).toEqual([{ x: 1 }]);
    vi.advanceTimersByTime(100);
    expect(manager.has(id)).toBe(false);
  });

  it('expires cursors on a running server with a small cursorTimeoutMs', async () => {
    const server = await MongoEmulator.start({ port: 0, cursorTimeoutMs: 50 });
    try {
      const first = await server.cursors.open('test.c', arraySource(docs(3)), { batchSize: 1 });
      await vi.waitFor(() => expect(server.cursors.has(first.id as Long)).toBe(false), {
        timeout: 2000,
        interval: 10,
      });
    } finally {
      await server.stop();
    }
  });
});

describe('arraySource', () => {
  it('stops a batch before it exceeds 16 MiB', async () => {
    const big = 'x'.repeat(6 * 1024 * 1024);
    const source = arraySource([{ big }, { big }, { big }, { big }]);
    const first = await source.nextBatch(undefined, undefined);
    expect(first.documents).toHaveLength(2);
    expect(first.exhausted).toBe(false);
    const second = await source.nextBatch(undefined, undefined);
    expect(second.documents).toHaveLength(2);
    expect(second.exhausted).toBe(true);
  });

  it('answers an empty batch for batchSize 0 without ending', async () => {
    const source = arraySource(docs(2));
    const batch = await source.nextBatch(0, undefined);
    expect(batch).toEqual({ documents: [], exhausted: false });
  });
});
