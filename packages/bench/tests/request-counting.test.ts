import { BSON } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { commandName, WireCounter } from '../src/children/wire-counter.js';
import { isForeignKeyCheck } from '../src/stores/postgres.js';

/** An OP_MSG request with `body` as its section 0, as the driver sends it. */
function opMsg(body: Record<string, unknown>, requestId = 1): Buffer {
  const document = Buffer.from(BSON.serialize(body));
  const header = Buffer.alloc(16);
  const length = 16 + 4 + 1 + document.length;
  header.writeInt32LE(length, 0);
  header.writeInt32LE(requestId, 4);
  header.writeInt32LE(0, 8);
  header.writeInt32LE(2013, 12);
  return Buffer.concat([header, Buffer.alloc(4), Buffer.from([0]), document]);
}

function count(chunks: readonly Buffer[]): Record<string, number> {
  const counts: Record<string, number> = {};
  const counter = new WireCounter((command) => {
    counts[command] = (counts[command] ?? 0) + 1;
  });
  for (const chunk of chunks) {
    counter.onData(chunk);
  }
  return counts;
}

describe('WireCounter (requests the emulator is sent)', () => {
  const find = opMsg({ find: 'jobs', filter: { status: 'pending' }, $db: 'bench' });
  const update = opMsg({ update: 'jobs', updates: [{ q: {}, u: { $set: { a: 1 } } }], $db: 'x' });
  const big = opMsg({ insert: 'jobs', documents: [{ payload: 'x'.repeat(70_000) }], $db: 'x' });

  it('names each request by its command', () => {
    expect(commandName(find)).toBe('find');
    expect(count([Buffer.concat([find, update, find])])).toEqual({ find: 2, update: 1 });
  });

  it('counts requests split across chunks anywhere, large ones included', () => {
    const stream = Buffer.concat([find, big, update, big]);
    for (const size of [1, 7, 16, 25, 4096]) {
      const chunks: Buffer[] = [];
      for (let at = 0; at < stream.length; at += size) {
        chunks.push(stream.subarray(at, at + size));
      }
      expect(count(chunks), `chunks of ${size}`).toEqual({ find: 1, insert: 2, update: 1 });
    }
  });
});

describe('PostgreSQL statement counts', () => {
  it('leave out the foreign-key checks the server runs at commit', () => {
    expect(
      isForeignKeyCheck(
        'SELECT $2 FROM ONLY "pgboss"."queue" x WHERE "name" OPERATOR(pg_catalog.=) $1 FOR KEY SHARE OF x',
      ),
    ).toBe(true);
    expect(isForeignKeyCheck('SELECT * FROM pgboss.schedule')).toBe(false);
    expect(
      isForeignKeyCheck(
        'WITH next as ( SELECT id FROM pgboss.job WHERE name = $1 LIMIT $2 FOR UPDATE SKIP LOCKED ) UPDATE pgboss.job SET state = $3',
      ),
    ).toBe(false);
  });
});
