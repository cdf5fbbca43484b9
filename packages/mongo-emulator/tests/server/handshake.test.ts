import { MongoClient } from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';
import { MongoEmulator } from '../../src/index.js';
import { startTestEmulator, type TestEmulator } from '../helpers/start-test-emulator.js';

describe('handshake', () => {
  let env: TestEmulator | undefined;
  afterEach(async () => {
    await env?.stop();
    env = undefined;
  });

  it('connects with the legacy OP_QUERY isMaster and answers ping', async () => {
    env = await startTestEmulator();
    const reply = await env.client.db('admin').command({ ping: 1 });
    expect(reply.ok).toBe(1);
  });

  it('connects with serverApi (an OP_MSG hello first)', async () => {
    env = await startTestEmulator({ clientOptions: { serverApi: { version: '1' } } });
    const reply = await env.client.db('admin').command({ ping: 1 });
    expect(reply.ok).toBe(1);
  });

  it('reports a replica set primary', async () => {
    env = await startTestEmulator();
    const reply = await env.client.db('admin').command({ hello: 1 });
    expect(reply).toMatchObject({
      isWritablePrimary: true,
      setName: 'rs0',
      hosts: [`127.0.0.1:${env.server.port}`],
      primary: `127.0.0.1:${env.server.port}`,
      minWireVersion: 0,
      maxWireVersion: 21,
      logicalSessionTimeoutMinutes: 30,
      ok: 1,
    });
    expect(reply.topologyVersion).toMatchObject({ counter: 0 });
    expect(reply.$clusterTime).toBeDefined();
  });

  it('reports a standalone without replica-set fields', async () => {
    env = await startTestEmulator({ replicaSet: false });
    expect(env.uri).toBe(`mongodb://127.0.0.1:${env.server.port}/`);
    const reply = await env.client.db('admin').command({ hello: 1 });
    expect(reply.isWritablePrimary).toBe(true);
    expect(reply.setName).toBeUndefined();
    expect(reply.hosts).toBeUndefined();
    expect(reply.$clusterTime).toBeUndefined();
  });

  it('lets a driver 6 client connect too', async () => {
    const server = await MongoEmulator.start({ port: 0 });
    const { MongoClient: MongoClient6 } = await import('mongodb6');
    const client = new MongoClient6(server.uri, { serverSelectionTimeoutMS: 5000 });
    try {
      await client.connect();
      const reply = await client.db('admin').command({ ping: 1 });
      expect(reply.ok).toBe(1);
    } finally {
      await client.close();
      await server.stop();
    }
  });

  it('MongoClient closes cleanly against the server', async () => {
    const server = await MongoEmulator.start({ port: 0 });
    const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 5000 });
    await client.connect();
    await client.close();
    await server.stop();
    expect(server.isStopped).toBe(true);
  });
});
