import {
  type Document,
  Long,
  MongoClient,
  MongoNetworkError,
  MongoServerSelectionError,
  ObjectId,
} from 'mongodb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MongoEmulator } from '../../src/index.js';
import { RawWireClient } from '../helpers/raw-wire-client.js';
import { serverError } from '../helpers/server-error.js';
import { startTestEmulator, type TestEmulator } from '../helpers/start-test-emulator.js';

let env: TestEmulator | undefined;
let raw: RawWireClient | undefined;
afterEach(async () => {
  vi.useRealTimers();
  raw?.close();
  raw = undefined;
  await env?.stop();
  env = undefined;
});

const MORE_TO_COME = 2;

/** Lets the event loop run (I/O included) until `condition` holds; fails after `ms`. */
async function until(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('hello: topologyVersion and the awaitable (streaming) protocol', () => {
  it('reports topologyVersion, in the order mongod replies', async () => {
    env = await startTestEmulator();
    const reply = await env.client.db('admin').command({ hello: 1, helloOk: true });
    expect(Object.keys(reply).slice(0, 6)).toEqual([
      'helloOk',
      'topologyVersion',
      'hosts',
      'setName',
      'setVersion',
      'isWritablePrimary',
    ]);
    expect(reply.topologyVersion.processId).toBeInstanceOf(ObjectId);
    expect(reply.topologyVersion.counter).toBe(0);
    const standalone = await MongoEmulator.start({ port: 0, replicaSet: false });
    const direct = await new MongoClient(`mongodb://127.0.0.1:${standalone.port}/`).connect();
    try {
      const single = await direct.db('admin').command({ hello: 1 });
      expect(Object.keys(single).slice(0, 3)).toEqual([
        'isWritablePrimary',
        'topologyVersion',
        'maxBsonObjectSize',
      ]);
      // Another server start is another process.
      expect(single.topologyVersion.processId.equals(reply.topologyVersion.processId)).toBe(false);
    } finally {
      await direct.close();
      await standalone.stop();
      MongoEmulator.discardData(standalone.port);
    }
  });

  it('answers an awaitable hello after maxAwaitTimeMS while the topology is unchanged', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    env = await startTestEmulator();
    raw = await RawWireClient.connect(env.server.port);
    const current = await raw.command({ hello: 1, $db: 'admin' });
    // On the wire the counter is an int64, as mongod sends it.
    expect(current.topologyVersion.counter._bsontype).toBe('Long');
    const before = vi.getTimerCount();
    raw.sendMsg({
      hello: 1,
      topologyVersion: current.topologyVersion,
      maxAwaitTimeMS: 10_000,
      $db: 'admin',
    });
    const client = raw;
    await until(() => vi.getTimerCount() > before, 'the hello to wait');
    await vi.advanceTimersByTimeAsync(9_999);
    expect(client.pendingReplies).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    await until(() => client.pendingReplies > 0, 'the awaited reply');
    const reply = await client.nextReply();
    expect(reply.flags & MORE_TO_COME).toBe(0);
    expect(reply.document.topologyVersion).toEqual(current.topologyVersion);
  });

  it('answers at once for another process or an older counter; refuses malformed requests', async () => {
    env = await startTestEmulator();
    const admin = env.client.db('admin');
    const { topologyVersion } = await admin.command({ hello: 1 });
    // Another process id: the client's view is stale, the reply comes without waiting the hour.
    const other = { processId: new ObjectId(), counter: Long.fromNumber(0) };
    await admin.command({ hello: 1, topologyVersion: other, maxAwaitTimeMS: 3_600_000 });
    const cases: Array<[Document, number, string]> = [
      [
        { topologyVersion },
        31368,
        "A request with a 'topologyVersion' must include 'maxAwaitTimeMS'",
      ],
      [
        { maxAwaitTimeMS: 5 },
        31368,
        "A request with 'maxAwaitTimeMS' must include a 'topologyVersion'",
      ],
      [
        {
          topologyVersion: { ...topologyVersion, counter: Long.fromNumber(-1) },
          maxAwaitTimeMS: 5,
        },
        31372,
        'topologyVersion must have a non-negative counter',
      ],
      [
        { topologyVersion, maxAwaitTimeMS: -1 },
        31373,
        'maxAwaitTimeMS must be a non-negative integer',
      ],
    ];
    for (const [fields, code, message] of cases) {
      const error = await serverError(admin.command({ hello: 1, ...fields }));
      expect([error.code, error.message]).toEqual([code, message]);
    }
    const ahead = await serverError(
      admin.command({
        hello: 1,
        topologyVersion: { ...topologyVersion, counter: Long.fromNumber(5) },
        maxAwaitTimeMS: 5,
      }),
    );
    expect(ahead.code).toBe(31382);
  });

  it('streams replies with moreToCome to an exhaust hello until the connection closes', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    env = await startTestEmulator();
    raw = await RawWireClient.connect(env.server.port);
    const client = raw;
    const current = await client.command({ hello: 1, $db: 'admin' });
    const before = vi.getTimerCount();
    const requestId = client.sendMsg(
      { hello: 1, topologyVersion: current.topologyVersion, maxAwaitTimeMS: 500, $db: 'admin' },
      { exhaustAllowed: true },
    );
    let answersTo = requestId;
    for (let i = 0; i < 3; i++) {
      await until(() => vi.getTimerCount() > before, 'the stream to wait');
      await vi.advanceTimersByTimeAsync(500);
      await until(() => client.pendingReplies > 0, 'a streamed reply');
      const reply = await client.nextReply();
      expect(reply.flags & MORE_TO_COME).toBe(MORE_TO_COME);
      expect(reply.responseTo).toBe(answersTo);
      expect(reply.document).toMatchObject({ ok: 1, isWritablePrimary: true });
      answersTo = reply.requestId;
    }
    client.close();
    await until(() => vi.getTimerCount() === before, 'the wait to end with the connection');
    // Without maxAwaitTimeMS there is no stream.
    raw = await RawWireClient.connect(env.server.port);
    const refused = await raw.command({ hello: 1, $db: 'admin' }, { exhaustAllowed: true });
    expect(refused).toMatchObject({ ok: 0, code: 51756 });
  });
});

/**
 * A client under load while the server drops every connection, again and again: operations fail
 * with network errors (retryable ones are retried) and the client must come back — a `ping` within
 * its 5 s server selection timeout — after the last drop.
 */
async function survivesDrops(mode: 'stream' | 'poll'): Promise<{ awaited: boolean[] }> {
  env = await startTestEmulator({
    clientOptions: {
      serverMonitoringMode: mode,
      heartbeatFrequencyMS: 500,
      serverSelectionTimeoutMS: 5_000,
    },
  });
  const { client, server } = env;
  const awaited: boolean[] = [];
  client.on('serverHeartbeatSucceeded', (event) => awaited.push(event.awaited));
  const jobs = client.db('drops').collection<{ worker: number; n: number }>('jobs');
  let succeeded = 0;
  let running = true;
  const unexpected: unknown[] = [];
  const worker = async (id: number): Promise<void> => {
    for (let n = 0; running; n++) {
      try {
        await jobs.insertOne({ worker: id, n });
        await jobs.findOne({ worker: id });
        succeeded += 1;
      } catch (error) {
        if (!(error instanceof MongoNetworkError || error instanceof MongoServerSelectionError)) {
          unexpected.push(error);
        }
      }
    }
  };
  const workers = Array.from({ length: 8 }, (_, id) => worker(id));
  try {
    for (let drop = 0; drop < 10; drop++) {
      const seen = succeeded;
      await until(() => succeeded >= seen + 20, `work between drops (drop ${drop})`);
      server.dropConnections();
    }
    const seen = succeeded;
    await until(() => succeeded >= seen + 20, 'work after the last drop');
  } finally {
    running = false;
    await Promise.all(workers);
  }
  expect(unexpected).toEqual([]);
  const ping = await client.db('admin').command({ ping: 1 });
  expect(ping.ok).toBe(1);
  return { awaited };
}

describe('monitoring under connection drops', () => {
  it('streaming: the driver monitors with awaitable hellos and survives repeated drops under load', async () => {
    const { awaited } = await survivesDrops('stream');
    expect(awaited).toContain(true);
  }, 60_000);

  it('polling: the driver polls and survives repeated drops under load', async () => {
    const { awaited } = await survivesDrops('poll');
    expect(awaited.length).toBeGreaterThan(0);
    expect(awaited).not.toContain(true);
  }, 60_000);
});
