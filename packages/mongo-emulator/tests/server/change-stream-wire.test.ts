import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from '../helpers/start-test-emulator.js';

describe('change streams over the wire', () => {
  let env: TestEmulator;
  beforeEach(async () => {
    env = await startTestEmulator();
  });
  afterEach(() => env.stop());

  it('watch() receives an insert through awaitable getMore', async () => {
    const coll = env.client.db('test').collection<{ _id: number }>('cs');
    const stream = coll.watch([], { maxAwaitTimeMS: 100 });
    try {
      const next = stream.next();
      await expect.poll(() => env.server.cursors.size, { timeout: 5000 }).toBe(1);
      await coll.insertOne({ _id: 1 });
      const event = await next;
      expect(event).toMatchObject({ operationType: 'insert', documentKey: { _id: 1 } });
    } finally {
      await stream.close();
    }
    expect(env.server.cursors.size).toBe(0);
  });

  it('resumes after the server drops every connection', async () => {
    const coll = env.client.db('test').collection<{ _id: number }>('cs2');
    const stream = coll.watch([], { maxAwaitTimeMS: 100 });
    try {
      const first = stream.next();
      await expect.poll(() => env.server.cursors.size, { timeout: 5000 }).toBe(1);
      await coll.insertOne({ _id: 1 });
      expect(await first).toMatchObject({ documentKey: { _id: 1 } });
      env.server.dropConnections();
      const second = stream.next();
      // A write in flight on a dropped connection is not retried by the driver (its pool was
      // cleared by the first error): wait until the client has reconnected before writing.
      await expect
        .poll(
          () =>
            env.client
              .db('admin')
              .command({ ping: 1 })
              .then(
                () => true,
                () => false,
              ),
          { timeout: 5000 },
        )
        .toBe(true);
      await coll.insertOne({ _id: 2 });
      expect(await second).toMatchObject({ documentKey: { _id: 2 } });
    } finally {
      await stream.close();
    }
  });

  it('resumes after failGetMoreAfterCursorCheckout with a resumable code', async () => {
    const coll = env.client.db('test').collection<{ _id: number }>('cs3');
    const stream = coll.watch([], { maxAwaitTimeMS: 100 });
    try {
      const first = stream.next();
      await expect.poll(() => env.server.cursors.size, { timeout: 5000 }).toBe(1);
      await coll.insertOne({ _id: 1 });
      expect(await first).toMatchObject({ documentKey: { _id: 1 } });
      await env.client.db('admin').command({
        configureFailPoint: 'failGetMoreAfterCursorCheckout',
        mode: { times: 1 },
        data: { errorCode: 6 },
      });
      const second = stream.next();
      await coll.insertOne({ _id: 2 });
      expect(await second).toMatchObject({ documentKey: { _id: 2 } });
    } finally {
      await stream.close();
    }
  });
});
