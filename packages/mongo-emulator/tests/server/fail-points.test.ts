import { Long } from 'bson';
import { type MongoClient, MongoNetworkError, MongoServerError } from 'mongodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CursorSource } from '../../src/commands/context.js';
import { MongoEmulator } from '../../src/index.js';
import { RawWireClient } from '../helpers/raw-wire-client.js';
import { startTestEmulator, type TestEmulator } from '../helpers/start-test-emulator.js';

const endless: CursorSource = {
  nextBatch: () => Promise.resolve({ documents: [], exhausted: false }),
  close() {},
};

function configure(client: MongoClient, command: Record<string, unknown>) {
  return client.db('admin').command({ configureFailPoint: 'failCommand', ...command });
}

describe('failCommand fail point', () => {
  let env: TestEmulator;
  beforeEach(async () => {
    env = await startTestEmulator({ clientOptions: { appName: 'fp-tests', retryReads: false } });
  });
  afterEach(() => env.stop());

  const ping = () => env.client.db('test').command({ ping: 1 });

  it('fails a listed command with errorCode, {times: n} times', async () => {
    const reply = await configure(env.client, {
      mode: { times: 2 },
      data: { failCommands: ['ping'], errorCode: 2 },
    });
    expect(reply.ok).toBe(1);
    for (let i = 0; i < 2; i++) {
      const error = await ping().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MongoServerError);
      expect(error).toMatchObject({
        code: 2,
        codeName: 'BadValue',
        errmsg: "Failing command via 'failCommand' failpoint",
      });
    }
    expect((await ping()).ok).toBe(1);
    const off = await configure(env.client, { mode: 'off' });
    expect(off.count).toBe(2);
  });

  it('leaves unlisted commands alone and never fails configureFailPoint', async () => {
    await configure(env.client, {
      mode: 'alwaysOn',
      data: { failCommands: ['configureFailPoint', 'buildInfo'], errorCode: 2 },
    });
    expect((await ping()).ok).toBe(1);
    await expect(env.client.db('admin').command({ buildInfo: 1 })).rejects.toMatchObject({
      code: 2,
    });
    const off = await configure(env.client, { mode: 'off' });
    expect(off.count).toBe(1);
    expect((await env.client.db('admin').command({ buildInfo: 1 })).ok).toBe(1);
  });

  it('skips the first n matches with {skip: n}', async () => {
    await configure(env.client, {
      mode: { skip: 1 },
      data: { failCommands: ['ping'], errorCode: 8 },
    });
    expect((await ping()).ok).toBe(1);
    await expect(ping()).rejects.toMatchObject({ code: 8 });
    await expect(ping()).rejects.toMatchObject({ code: 8 });
    await configure(env.client, { mode: 'off' });
  });

  it('returns the given errorLabels', async () => {
    await configure(env.client, {
      mode: { times: 1 },
      data: { failCommands: ['ping'], errorCode: 11, errorLabels: ['SomeLabel'] },
    });
    const error = await ping().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MongoServerError);
    expect((error as MongoServerError).hasErrorLabel('SomeLabel')).toBe(true);
  });

  it('closes the connection without replying with closeConnection', async () => {
    await configure(env.client, {
      mode: { times: 1 },
      data: { failCommands: ['ping'], closeConnection: true },
    });
    await expect(ping()).rejects.toBeInstanceOf(MongoNetworkError);
    expect((await ping()).ok).toBe(1);
  });

  it('blocks blockTimeMS before answering with blockConnection', async () => {
    await configure(env.client, {
      mode: { times: 1 },
      data: { failCommands: ['ping'], blockConnection: true, blockTimeMS: 150 },
    });
    const started = performance.now();
    expect((await ping()).ok).toBe(1);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('matches only the given appName', async () => {
    await configure(env.client, {
      mode: 'alwaysOn',
      data: { failCommands: ['ping'], errorCode: 2, appName: 'someone-else' },
    });
    expect((await ping()).ok).toBe(1);
    await configure(env.client, {
      mode: 'alwaysOn',
      data: { failCommands: ['ping'], errorCode: 2, appName: 'fp-tests' },
    });
    await expect(ping()).rejects.toMatchObject({ code: 2 });
    await configure(env.client, { mode: 'off' });
  });

  it('is a test command of the admin database only', async () => {
    await expect(
      env.client.db('test').command({ configureFailPoint: 'failCommand', mode: 'off' }),
    ).rejects.toMatchObject({ code: 13 });
  });

  it('refuses unknown fail points and bad modes', async () => {
    await expect(
      env.client.db('admin').command({ configureFailPoint: 'hangBeforeSomething', mode: 'off' }),
    ).rejects.toMatchObject({ code: 115 });
    await expect(
      configure(env.client, { mode: 'sometimes', data: { failCommands: ['ping'] } }),
    ).rejects.toMatchObject({ code: 2 });
    await expect(configure(env.client, { mode: 'alwaysOn', data: {} })).rejects.toMatchObject({
      code: 2,
    });
  });

  it('restarting the server clears fail points', async () => {
    const server = await MongoEmulator.start({ port: 0 });
    const raw = await RawWireClient.connect(server.port);
    await raw.command({
      configureFailPoint: 'failCommand',
      mode: 'alwaysOn',
      data: { failCommands: ['ping'], errorCode: 2 },
      $db: 'admin',
    });
    expect(await raw.command({ ping: 1, $db: 'admin' })).toMatchObject({ ok: 0, code: 2 });
    raw.close();
    const restarted = await server.restart();
    const again = await RawWireClient.connect(restarted.port);
    try {
      expect((await again.command({ ping: 1, $db: 'admin' })).ok).toBe(1);
    } finally {
      again.close();
      await restarted.stop();
      MongoEmulator.discardData(restarted.port);
    }
  });
});

describe('error labels', () => {
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

  const failGetMore = (name: string, data: Record<string, unknown>) =>
    raw.command({ configureFailPoint: name, mode: { times: 1 }, data, $db: 'admin' });

  it('does not label a failCommand getMore error as resumable (fired before checkout)', async () => {
    const cursor = await server.cursors.open('test.c', endless, { awaitable: true });
    await failGetMore('failCommand', { failCommands: ['getMore'], errorCode: 6 });
    const reply = await raw.command({ getMore: cursor.id, collection: 'c', $db: 'test' });
    expect(reply).toMatchObject({ ok: 0, code: 6 });
    expect(reply.errorLabels).toBeUndefined();
    expect(server.cursors.has(cursor.id as Long)).toBe(true);
  });

  it('labels failGetMoreAfterCursorCheckout on a change stream ResumableChangeStreamError', async () => {
    const cursor = await server.cursors.open('test.c', endless, { awaitable: true });
    await failGetMore('failGetMoreAfterCursorCheckout', { errorCode: 6 });
    const reply = await raw.command({ getMore: cursor.id, collection: 'c', $db: 'test' });
    expect(reply).toMatchObject({ ok: 0, code: 6, errorLabels: ['ResumableChangeStreamError'] });
    expect(server.cursors.has(cursor.id as Long)).toBe(false);
  });

  it('does not label a non-resumable code or a plain cursor', async () => {
    const stream = await server.cursors.open('test.c', endless, { awaitable: true });
    await failGetMore('failGetMoreAfterCursorCheckout', { errorCode: 2 });
    const bad = await raw.command({ getMore: stream.id, collection: 'c', $db: 'test' });
    expect(bad).toMatchObject({ ok: 0, code: 2 });
    expect(bad.errorLabels).toBeUndefined();

    const plain = await server.cursors.open('test.c', endless, {});
    await failGetMore('failGetMoreAfterCursorCheckout', { errorCode: 6 });
    const reply = await raw.command({ getMore: plain.id, collection: 'c', $db: 'test' });
    expect(reply).toMatchObject({ ok: 0, code: 6 });
    expect(reply.errorLabels).toBeUndefined();
  });

  it('labels a change-stream aggregate failed with a resumable code', async () => {
    await failGetMore('failCommand', { failCommands: ['aggregate'], errorCode: 91 });
    const reply = await raw.command({
      aggregate: 'c',
      pipeline: [{ $changeStream: {} }],
      cursor: {},
      $db: 'test',
    });
    expect(reply).toMatchObject({ ok: 0, code: 91, errorLabels: ['ResumableChangeStreamError'] });
  });

  it('keeps an explicitly empty errorLabels empty', async () => {
    const cursor = await server.cursors.open('test.c', endless, { awaitable: true });
    await failGetMore('failGetMoreAfterCursorCheckout', { errorCode: 6, errorLabels: [] });
    const reply = await raw.command({ getMore: cursor.id, collection: 'c', $db: 'test' });
    expect(reply.errorLabels).toBeUndefined();
  });

  it('answers with a hello count and no labels for getMore on an unknown id', async () => {
    const reply = await raw.command({ getMore: Long.fromNumber(77), collection: 'c', $db: 'x' });
    expect(reply).toMatchObject({ ok: 0, code: 43 });
    expect(reply.errorLabels).toBeUndefined();
  });
});
