import { MongoEmulator } from '@monque/mongo-emulator';
import { MongoClient } from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';
import { Monque } from '../../src/monque.js';
import { FAST_OPTIONS, nextEvent } from '../setup/scheduler-harness.js';

/** A server of its own per test, so fail points and topology never leak into other tests. */
async function startServer(replicaSet: string | false) {
  const server = await MongoEmulator.start({ port: 0, replicaSet });
  const client = await new MongoClient(server.uri).connect();
  return { server, client, db: client.db('change_streams') };
}

describe('change streams and polling', () => {
  const cleanups: (() => Promise<void>)[] = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setup(replicaSet: string | false, options = {}) {
    const { server, client, db } = await startServer(replicaSet);
    const monque = new Monque(db, { ...FAST_OPTIONS, ...options });
    cleanups.push(
      () => server.stop(),
      () => client.close(),
      () => monque.stop(),
    );
    return { monque, db };
  }

  it('starts a due job well under pollInterval with the change stream', async () => {
    const { monque } = await setup('rs0', { pollInterval: 2000, backupPollInterval: 10_000 });
    monque.worker('fast', () => {});
    const connected = nextEvent(monque, 'changestream:connected');
    await monque.start();
    await connected;
    const measure = async (spacing: number) => {
      const latencies: number[] = [];
      for (let i = 0; i < 21; i += 1) {
        // Arrival spacing is the scenario here: notifications within one 100 ms window of a job
        // name are coalesced, so jobs spaced wider than the window show the raw latency.
        await new Promise((resolve) => setTimeout(resolve, spacing));
        const started = nextEvent(monque, 'job:start');
        const before = Date.now();
        await monque.enqueue('fast', { i });
        await started;
        latencies.push(Date.now() - before);
      }
      return latencies.sort((a, b) => a - b)[10] ?? Number.NaN;
    };
    const median = await measure(150);
    const backToBack = await measure(0);
    console.info(
      `median enqueue → job:start latency with change streams: ${median} ms ` +
        `(back to back, within the coalescing window: ${backToBack} ms)`,
    );
    expect(backToBack).toBeLessThanOrEqual(150);
    expect(median).toBeLessThan(50);
  }, 30_000);

  it('falls back to polling on a standalone server and still processes everything', async () => {
    const { monque } = await setup(false, { pollInterval: 50 });
    let completed = 0;
    const allDone = new Promise<void>((resolve) => {
      monque.on('job:complete', () => {
        completed += 1;
        if (completed === 30) resolve();
      });
    });
    monque.worker('polled', () => {});
    const fallback = nextEvent(monque, 'changestream:fallback');
    await monque.start();
    const [{ reason }] = await fallback;
    expect(reason).toMatch(/replica set/);
    for (let i = 0; i < 30; i += 1) await monque.enqueue('polled', { i });
    await allDone;
    expect(await monque.collection.countDocuments({ status: 'completed' })).toBe(30);
  });

  it('reconnects after a failed getMore', async () => {
    const { monque, db } = await setup('rs0');
    monque.worker('after', () => {});
    await monque.start();
    await nextEvent(monque, 'changestream:connected');
    const errored = nextEvent(monque, 'changestream:error');
    const reconnected = new Promise<void>((resolve) => {
      monque.on('changestream:error', () => monque.once('changestream:connected', () => resolve()));
    });
    await db.admin().command({
      configureFailPoint: 'failCommand',
      mode: { times: 1 },
      data: { failCommands: ['getMore'], errorCode: 280 },
    });
    const [{ error }] = await errored;
    expect(error.message).toBeTruthy();
    await reconnected;
    const done = nextEvent(monque, 'job:complete');
    await monque.enqueue('after', null);
    await done;
  });

  it('falls back to polling after 3 failed reconnects', async () => {
    const { monque, db } = await setup('rs0', { pollInterval: 50 });
    monque.worker('after', () => {});
    await monque.start();
    await nextEvent(monque, 'changestream:connected');
    let errors = 0;
    monque.on('changestream:error', () => {
      errors += 1;
    });
    const fallback = nextEvent(monque, 'changestream:fallback');
    await db.admin().command({
      configureFailPoint: 'failCommand',
      mode: { times: 4 },
      data: { failCommands: ['getMore'], errorCode: 280 },
    });
    const [{ reason }] = await fallback;
    expect(errors).toBe(4);
    expect(reason).toContain('3 reconnects');
    const done = nextEvent(monque, 'job:complete');
    await monque.enqueue('after', null);
    await done;
  });
});
