import { MongoEmulator } from '@monque/mongo-emulator';
import { getTestServer } from '@monque/test-support';
import { type Db, MongoClient, MongoServerError } from 'mongodb';
import { afterEach, describe, expect, it, type TestContext } from 'vitest';
import { Monque } from '../../src/monque.js';
import { EVENT_WAIT_LIMIT_MS, FAST_OPTIONS, nextEvent } from '../setup/scheduler-harness.js';

/** The `appName` of this file's clients: fail points set here fail only their commands. */
const APP_NAME = 'monque-change-stream-tests';

/**
 * The server of a test: the run's (a real MongoDB under Testcontainers or MONGODB_URI, else the
 * worker's emulator), or a dedicated emulator when the test needs a standalone server, or needs
 * fail points and the run's server is the shared MONGODB_URI one — `failCommand` is a single
 * server-wide setting, which other test files of the run (in other workers) set too. A server
 * under Testcontainers or the emulator belongs to this worker, whose files run one at a time.
 */
async function openServer(needs: 'replica set' | 'fail points' | 'standalone') {
  const run = await getTestServer();
  const dedicated =
    needs === 'standalone' || (needs === 'fail points' && run.substrate === 'MONGODB_URI');
  const server = dedicated
    ? await MongoEmulator.start({ port: 0, replicaSet: needs === 'standalone' ? false : 'rs0' })
    : undefined;
  if (server !== undefined && needs === 'fail points') {
    console.info(
      '[change streams] fail points run on a dedicated emulator, not on the MONGODB_URI server: ' +
        'failCommand is one setting for the whole server, which other test files set concurrently',
    );
  }
  const client = await new MongoClient(server?.uri ?? run.uri, { appName: APP_NAME }).connect();
  const db = client.db(`change_streams_${process.pid}_${Date.now().toString(36)}`);
  return {
    db,
    async close() {
      await db.dropDatabase();
      await client.close();
      await server?.stop();
    },
  };
}

describe('change streams and polling', () => {
  const cleanups: (() => Promise<void>)[] = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setup(needs: 'replica set' | 'fail points' | 'standalone', options = {}) {
    const server = await openServer(needs);
    const monque = new Monque(server.db, { ...FAST_OPTIONS, ...options });
    cleanups.push(
      () => server.close(),
      () => monque.stop(),
    );
    return { monque, db: server.db };
  }

  /**
   * Fails the next `times` getMores of this file's clients on the jobs collection (not those of
   * the control collection's stream); skips the test without fail points.
   */
  async function failGetMore(db: Db, times: number, test: TestContext): Promise<void> {
    const admin = db.admin();
    try {
      await admin.command({
        configureFailPoint: 'failCommand',
        mode: { times },
        data: {
          failCommands: ['getMore'],
          errorCode: 280,
          appName: APP_NAME,
          namespace: `${db.databaseName}.monque_jobs`,
        },
      });
    } catch (error) {
      if (!(error instanceof MongoServerError)) throw error;
      // Skipped, with the reason, only on a server without test commands (a mongod started
      // without enableTestCommands); the emulator and the project's Testcontainers server have them.
      test.skip(
        `the test server refuses configureFailPoint (${error.message}); start mongod with ` +
          '--setParameter enableTestCommands=1 to run this test',
      );
    }
    // Runs before the client closes (cleanups run in reverse).
    cleanups.push(async () => {
      await admin.command({ configureFailPoint: 'failCommand', mode: 'off' });
    });
  }

  it('starts each new job through the change stream, with no poll in between', async () => {
    // Polls ten minutes apart (after the one at start): a job enqueued afterwards can only start
    // in time because the change stream told the instance about it. How fast that is (SC-005) is
    // measured by the benchmark (packages/bench, latency scenario), not here.
    const noPolling = 600_000;
    const { monque } = await setup('replica set', {
      pollInterval: noPolling,
      backupPollInterval: noPolling,
    });
    monque.worker('fast', () => {});
    let starts = 0;
    monque.on('job:start', () => {
      starts += 1;
    });
    const connected = nextEvent(monque, 'changestream:connected');
    await monque.start();
    await connected;
    const measure = async (spacing: number) => {
      const latencies: number[] = [];
      for (let i = 0; i < 21; i += 1) {
        // Arrival spacing is the scenario here: jobs spaced apart are each woken on their own,
        // and jobs back to back, whose notifications arrive while a claim of their name is on
        // its way, must not lose a wake-up to the coalescing of those notifications.
        await new Promise((resolve) => setTimeout(resolve, spacing));
        const started = nextEvent(monque, 'job:start');
        const before = Date.now();
        await monque.enqueue('fast', { i });
        await started;
        latencies.push(Date.now() - before);
      }
      return latencies.sort((a, b) => a - b)[10] ?? Number.NaN;
    };
    const spaced = await measure(150);
    const backToBack = await measure(0);
    console.info(
      `median enqueue → job:start with change streams (for information): ${spaced} ms spaced, ` +
        `${backToBack} ms back to back`,
    );
    // Each start was awaited for less than the poll interval (nextEvent's limit): none waited for
    // a poll.
    expect(EVENT_WAIT_LIMIT_MS).toBeLessThan(noPolling);
    expect(starts).toBe(42);
  });

  it('falls back to polling on a standalone server and still processes everything', async () => {
    // Change streams need a replica set: this test has a standalone emulator of its own.
    const { monque } = await setup('standalone', { pollInterval: 50 });
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

  it('reconnects after a failed getMore', async (test) => {
    const { monque, db } = await setup('fail points');
    monque.worker('after', () => {});
    await monque.start();
    await nextEvent(monque, 'changestream:connected');
    const errored = nextEvent(monque, 'changestream:error');
    const reconnected = new Promise<void>((resolve) => {
      monque.on('changestream:error', () => monque.once('changestream:connected', () => resolve()));
    });
    await failGetMore(db, 1, test);
    const [{ error }] = await errored;
    expect(error.message).toBeTruthy();
    await reconnected;
    const done = nextEvent(monque, 'job:complete');
    await monque.enqueue('after', null);
    await done;
  });

  it('falls back to polling after 3 failed reconnects', async (test) => {
    const { monque, db } = await setup('fail points', { pollInterval: 50 });
    monque.worker('after', () => {});
    await monque.start();
    await nextEvent(monque, 'changestream:connected');
    let errors = 0;
    monque.on('changestream:error', () => {
      errors += 1;
    });
    const fallback = nextEvent(monque, 'changestream:fallback');
    await failGetMore(db, 4, test);
    const [{ reason }] = await fallback;
    expect(errors).toBe(4);
    expect(reason).toContain('3 reconnects');
    const done = nextEvent(monque, 'job:complete');
    await monque.enqueue('after', null);
    await done;
  });
});
