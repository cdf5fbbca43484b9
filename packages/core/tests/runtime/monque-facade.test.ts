import { readFileSync } from 'node:fs';
import { type Db, ObjectId } from 'mongodb';
import { describe, expect, it, vi } from 'vitest';
import {
  ConnectionError,
  DatabaseError,
  InvalidArgumentError,
  InvalidCronError,
  MonqueError,
  PayloadTooLargeError,
  RoundTripTimeoutError,
  WorkerRegistrationError,
} from '../../src/errors.js';
import { Monque } from '../../src/monque.js';
import { RUN_HEADROOM } from '../../src/scheduling/new-job.js';
import { fakeDb } from './fake-db.js';
import { networkError, serverError } from './fakes.js';

describe('Monque (facade)', () => {
  it('validates the db and the options synchronously', () => {
    expect(() => new Monque(null as unknown as Db)).toThrow(InvalidArgumentError);
    expect(() => new Monque({} as Db)).toThrow(/Invalid db/);
    expect(() => new Monque(fakeDb().db, { pollInterval: -1 })).toThrow(InvalidArgumentError);
  });

  it('rejects bad enqueue arguments before writing anything', async () => {
    const { db, calls } = fakeDb();
    const monque = new Monque(db, { maxPayloadSize: 64 });
    await expect(monque.enqueue('', null)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(monque.enqueue({ $ne: null } as never, null)).rejects.toThrow(/Invalid name/);
    await expect(monque.enqueue('a', null, { runAt: 'soon' as never })).rejects.toThrow(
      /options\.runAt/,
    );
    await expect(monque.enqueue('a', null, { uniqueKey: { $gt: '' } as never })).rejects.toThrow(
      /options\.uniqueKey/,
    );
    await expect(monque.enqueue('a', null, { runat: new Date() } as never)).rejects.toThrow(
      /options\.runat/,
    );
    await expect(monque.enqueue('a', 'x'.repeat(100))).rejects.toBeInstanceOf(PayloadTooLargeError);
    await expect(monque.now('a', (() => {}) as never)).rejects.toThrow(/Invalid data/);
    expect(calls).toEqual([]);
  });

  it('checks every job of enqueueMany before writing anything', async () => {
    const { db, calls } = fakeDb();
    const monque = new Monque(db, { maxPayloadSize: 64 });
    const good = { name: 'a', data: null };
    await expect(monque.enqueueMany('a' as never)).rejects.toThrow(
      /Invalid jobs: must be an array/,
    );
    await expect(monque.enqueueMany([good, null as never])).rejects.toThrow(
      /Invalid jobs\[1\]: must be an object/,
    );
    await expect(monque.enqueueMany([good, { name: '', data: 1 }])).rejects.toThrow(
      /Invalid jobs\[1\]\.name/,
    );
    await expect(
      monque.enqueueMany([good, { name: 'a', data: 1, extra: true } as never]),
    ).rejects.toThrow(
      /Invalid jobs\[1\]\.extra: is not a known option \(known: name, data, options\)/,
    );
    await expect(
      monque.enqueueMany([{ name: 'a', data: null, options: { runAt: 'soon' as never } }]),
    ).rejects.toThrow(/Invalid jobs\[0\]\.options\.runAt/);
    await expect(
      monque.enqueueMany([{ name: 'a', data: { f: () => {} } as never }]),
    ).rejects.toThrow(/Invalid data: jobs\[0\]\.data\.f must not be a function/);
    await expect(monque.enqueueMany([{ name: 'a', data: 'x'.repeat(100) }])).rejects.toBeInstanceOf(
      PayloadTooLargeError,
    );
    const unique = await monque
      .enqueueMany([good, { name: 'a', data: null, options: { uniqueKey: 'k' } as never }])
      .catch((error: unknown) => error);
    expect(unique).toBeInstanceOf(InvalidArgumentError);
    expect((unique as InvalidArgumentError).argument).toBe('jobs[1].options.uniqueKey');
    expect((unique as Error).message).toMatch(/not supported by enqueueMany.*use enqueue/);
    await expect(monque.enqueueMany([])).resolves.toEqual([]);
    expect(calls).toEqual([]);
  });

  it('adds the jobs of enqueueMany with one insertMany, and wraps its failure', async () => {
    const { db, calls, inserted, state } = fakeDb();
    const monque = new Monque(db, { recoverStaleJobs: false });
    const runAt = new Date(Date.now() + 60_000);
    const jobs = await monque.enqueueMany([
      { name: 'a', data: undefined },
      { name: 'b', data: { n: 1 }, options: { runAt } },
    ]);
    expect(calls).toEqual(['createIndexes', 'insertMany']);
    expect(jobs.map((job) => [job._id, job.name, job.data, job.nextRunAt])).toEqual([
      ['id0', 'a', null, expect.any(Date)],
      ['id1', 'b', { n: 1 }, runAt],
    ]);
    expect(inserted).toHaveLength(2);
    state.failWrites = serverError(11600, 'interrupted at shutdown');
    const error = await monque.enqueueMany([{ name: 'a', data: null }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toBe(
      'could not enqueue 1 jobs: interrupted at shutdown (code 11600)',
    );
    state.failWrites = serverError(121, 'Document failed validation');
    const refused = await monque.enqueueMany([{ name: 'a', data: null }]).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DatabaseError);
    expect(refused).toMatchObject({
      code: 121,
      message: 'could not enqueue 1 jobs: Document failed validation (code 121)',
    });
  });

  it('rejects bad schedule arguments before writing anything', async () => {
    const { db, calls } = fakeDb();
    const monque = new Monque(db);
    for (const cron of ['* * *', '61 * * * *', 'abc']) {
      await expect(monque.schedule(cron, 'a', null)).rejects.toBeInstanceOf(InvalidCronError);
    }
    await expect(
      monque.schedule('* * * * *', 'a', null, { timezone: 'Mars/Base' }),
    ).rejects.toThrow(/options\.timezone/);
    await expect(monque.schedule('* * * * *', 'a', null, { key: '' })).rejects.toThrow(
      /options\.key/,
    );
    // The key of a schedule is `key`: `uniqueKey` (enqueue's) is refused by name.
    await expect(
      monque.schedule('* * * * *', 'a', null, { uniqueKey: 'a' } as never),
    ).rejects.toThrow(
      /options\.uniqueKey: is not a known option \(known: key, timezone, timeout, priority\)/,
    );
    await expect(monque.schedule('* * * * *', 'a', null, { priority: 0.5 })).rejects.toThrow(
      /options\.priority: must be an integer from -2147483648 to 2147483647/,
    );
    expect(calls).toEqual([]);
  });

  it('validates worker registrations', () => {
    const monque = new Monque(fakeDb().db);
    expect(() => monque.worker('a', 'nope' as never)).toThrow(WorkerRegistrationError);
    expect(() => monque.worker('a', () => {}, { concurrency: 0 })).toThrow(/options\.concurrency/);
    expect(() => monque.worker('a', () => {}, { replace: 'yes' as never })).toThrow(
      /options\.replace/,
    );
    monque.worker('a', () => {}, { concurrency: 2 });
    expect(() => monque.worker('a', () => {})).toThrow(WorkerRegistrationError);
    monque.worker('a', () => {}, { replace: true });
    expect(monque.workerNames).toEqual(['a']);
    expect(monque.inFlightCount).toBe(0);
  });

  it('shares one initialization, and retries it after a failure', async () => {
    const cause = networkError('unreachable');
    const { db, calls, state } = fakeDb({ failIndexes: cause });
    const monque = new Monque(db, { recoverStaleJobs: false });
    const first = monque.initialize();
    expect(monque.initialize()).toBe(first);
    const error = await first.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).cause).toBe(cause);
    state.failIndexes = undefined;
    await monque.initialize();
    await monque.initialize();
    expect(calls).toEqual(['createIndexes', 'createIndexes']);
  });

  it("initialize()'s TSDoc names every method that initializes, and only those", async () => {
    // How to call each public method; a method added to Monque must be added here.
    const callers: Record<string, (monque: Monque) => unknown> = {
      enqueue: (monque) => monque.enqueue('a', null),
      enqueueMany: (monque) => monque.enqueueMany([{ name: 'a', data: null }]),
      now: (monque) => monque.now('a', null),
      schedule: (monque) => monque.schedule('* * * * *', 'a', null),
      worker: (monque) => monque.worker('a', async () => {}),
      start: async (monque) => {
        await monque.start();
        await monque.stop();
      },
      stop: (monque) => monque.stop(),
      isHealthy: (monque) => monque.isHealthy(),
      getJob: (monque) => monque.getJob(new ObjectId()),
      findJobs: (monque) => monque.findJobs(),
      getStats: (monque) => monque.getStats(),
      cancelJob: (monque) => monque.cancelJob(new ObjectId()),
      cancelJobs: (monque) => monque.cancelJobs({ name: 'a' }),
      unschedule: (monque) => monque.unschedule('a'),
      retryJob: (monque) => monque.retryJob(new ObjectId()),
      retryJobs: (monque) => monque.retryJobs({ name: 'a' }),
      rescheduleJob: (monque) => monque.rescheduleJob(new ObjectId(), new Date()),
      deleteJob: (monque) => monque.deleteJob(new ObjectId()),
      deleteJobs: (monque) => monque.deleteJobs({ name: 'a' }),
      pause: (monque) => monque.pause('a'),
      resume: (monque) => monque.resume('a'),
      isPaused: (monque) => monque.isPaused('a'),
    };
    const methods = Object.getOwnPropertyNames(Monque.prototype).filter(
      (name) =>
        !['constructor', 'initialize'].includes(name) &&
        typeof Object.getOwnPropertyDescriptor(Monque.prototype, name)?.value === 'function',
    );
    expect(methods.sort()).toEqual(Object.keys(callers).sort());
    const initializing: string[] = [];
    for (const [name, call] of Object.entries(callers)) {
      const monque = new Monque(fakeDb().db);
      const initialize = vi.spyOn(monque, 'initialize');
      // The fake database answers some reads with errors: only whether it initialized counts.
      await Promise.resolve()
        .then(() => call(monque))
        .catch(() => {});
      if (initialize.mock.calls.length > 0) initializing.push(name);
    }
    // The sentence "Called by `a`, `b` and `c`" of the comment above `initialize()`, on one line.
    const source = readFileSync(new URL('../../src/monque.ts', import.meta.url), 'utf8');
    const comment = /\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*initialize\(\)/.exec(source)?.[1] ?? '';
    const text = comment.replace(/\s*\n\s*\*\s?/g, ' ');
    const listed = /Called by ((?:`\w+`(?:, | and )?)+)/.exec(text)?.[1] ?? '';
    const named = [...listed.matchAll(/`(\w+)`/g)].map(([, name]) => name);
    expect(named.sort()).toEqual(initializing.sort());
  });

  it('waits for the index build as long as it takes: no round-trip time limit', async () => {
    vi.useFakeTimers();
    try {
      let finishBuild = () => {};
      const build = new Promise<void>((resolve) => {
        finishBuild = resolve;
      });
      const { db, calls } = fakeDb({ hold: { createIndexes: build } });
      const monque = new Monque(db); // round trips are limited to 20 s
      let outcome = 'pending';
      const initialized = monque.initialize().then(
        () => {
          outcome = 'resolved';
        },
        (error: unknown) => {
          outcome = `rejected: ${String(error)}`;
        },
      );
      await vi.advanceTimersByTimeAsync(10 * 60_000);
      expect(calls).toEqual(['createIndexes']);
      expect(outcome).toBe('pending');
      finishBuild();
      await initialized;
      expect(outcome).toBe('resolved');
    } finally {
      vi.useRealTimers();
    }
  });

  it('names the index build in its error', async () => {
    const { db } = fakeDb({ failIndexes: serverError(86, 'IndexKeySpecsConflict') });
    const error = await new Monque(db).initialize().catch((e) => e);
    expect(error).toBeInstanceOf(DatabaseError);
    expect((error as Error).message).toMatch(/^could not create the job indexes: /);
  });

  it('bounds the server-version check by roundTripTimeout, naming the operation', async () => {
    vi.useFakeTimers();
    try {
      const { db, calls } = fakeDb({ hold: { command: new Promise(() => {}) } });
      const monque = new Monque(db, { roundTripTimeout: 1500 });
      const failed = monque.initialize().catch((e: unknown) => e);
      await vi.advanceTimersByTimeAsync(1500);
      const error = await failed;
      expect(error).toBeInstanceOf(RoundTripTimeoutError);
      expect(error).toMatchObject({ operation: 'ask the server its version', timeout: 1500 });
      expect((error as Error).message).toBe(
        'could not ask the server its version: the database did not answer within 1500 ms ' +
          '(roundTripTimeout)',
      );
      expect(calls).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("bounds the scheduler's round trips by roundTripTimeout", async () => {
    const { db, state } = fakeDb();
    // heartbeatInterval alone would make the limit max(2 × 10, 5000) ms.
    const monque = new Monque(db, { heartbeatInterval: 10, lockTimeout: 20, roundTripTimeout: 30 });
    const errors: Error[] = [];
    monque.on('job:error', ({ error }) => errors.push(error));
    await monque.start();
    state.hold = { updateMany: new Promise(() => {}) };
    await vi.waitFor(() => expect(errors.length).toBeGreaterThan(0));
    expect(errors[0]).toBeInstanceOf(RoundTripTimeoutError);
    expect(errors[0]).toMatchObject({ operation: 'take over stale jobs', timeout: 30 });
    await monque.stop();
  });

  it('passes Monque errors from the database layer through unchanged', async () => {
    const own = new MonqueError('own');
    const { db } = fakeDb({ failIndexes: own, failWrites: own });
    const monque = new Monque(db);
    await expect(monque.initialize()).rejects.toBe(own);
  });

  it('rejects data that fits maxPayloadSize when the whole job document would not fit', async () => {
    const { db, calls } = fakeDb();
    const monque = new Monque(db);
    const error = await monque.enqueue('a', 'x'.repeat(16 * 1024 * 1024 - 64)).catch((e) => e);
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    // What was measured is the whole document, and the limit is MongoDB's, not maxPayloadSize.
    expect(error).toMatchObject({ measured: 'document', limit: 16 * 1024 * 1024 - RUN_HEADROOM });
    expect((error as PayloadTooLargeError).size).toBeGreaterThan(16 * 1024 * 1024 - 64);
    expect((error as Error).message).toMatch(/^The job document would be \d+ bytes/);
    expect((error as Error).message).toContain("MongoDB's limit of 16 MiB");
    expect((error as Error).message).not.toContain('maxPayloadSize');
    // Data that fits 16 MiB with the job's fields, but not with the room a run needs.
    const tight = await monque
      .enqueue('a', 'x'.repeat(16 * 1024 * 1024 - 8 * 1024))
      .catch((e) => e);
    expect(tight).toBeInstanceOf(PayloadTooLargeError);
    await expect(
      monque.schedule('* * * * *', 'a', 'x'.repeat(16 * 1024 * 1024 - 64)),
    ).rejects.toBeInstanceOf(PayloadTooLargeError);
    expect(calls).not.toContain('insertOne');
    expect(calls).not.toContain('findOneAndUpdate');
    // With the room kept, it is stored.
    await expect(
      monque.enqueue('a', 'x'.repeat(16 * 1024 * 1024 - RUN_HEADROOM - 1024)),
    ).resolves.toMatchObject({ job: { name: 'a' }, created: true });
  });

  it('stores undefined data as null', async () => {
    const { db, inserted } = fakeDb();
    const { job } = await new Monque(db).enqueue('a', undefined);
    expect(job.data).toBeNull();
    expect(inserted).toEqual([expect.objectContaining({ name: 'a', data: null })]);
    // The fake database answers the upsert with nothing, which schedule() reports (a TypeError
    // is no database error: a plain MonqueError naming it).
    const error = await new Monque(db).schedule('* * * * *', 'a', undefined).catch((e) => e);
    expect(error).toBeInstanceOf(MonqueError);
    expect(error).not.toBeInstanceOf(ConnectionError);
    expect(error).not.toBeInstanceOf(DatabaseError);
    expect((error as Error).message).toMatch(/^could not schedule job "a": .+/);
    expect((error as Error).cause).toBeInstanceOf(TypeError);
  });

  it('reports a failed look-up of future jobs as job:error', async () => {
    const { db, streams } = fakeDb();
    const monque = new Monque(db);
    monque.worker('a', () => {});
    const errors: Error[] = [];
    monque.on('job:error', ({ error }) => errors.push(error));
    await monque.start();
    streams[0]?.answer(null);
    await vi.waitFor(() => expect(errors.length).toBeGreaterThan(0));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(ConnectionError);
    expect(errors[0]?.message).toBe('could not look for due jobs: lookup failed');
    await monque.stop();
  });

  it('reports a failed heartbeat as job:error and turns unhealthy', async () => {
    const { db, state } = fakeDb();
    const monque = new Monque(db, { heartbeatInterval: 10, lockTimeout: 20 });
    const errors: Error[] = [];
    monque.on('job:error', ({ error }) => errors.push(error));
    await monque.start();
    expect(monque.isHealthy()).toBe(true);
    state.failHeartbeat = networkError('connection lost');
    await vi.waitFor(() => expect(errors.length).toBeGreaterThan(0));
    expect(errors[0]?.message).toBe('the heartbeat failed: connection lost');
    expect((errors[0] as ConnectionError).cause).toBe(state.failHeartbeat);
    expect(monque.isHealthy()).toBe(false);
    await monque.stop();
  });

  it('sends an empty heartbeat as its health probe only without stale recovery', async () => {
    const { db, calls } = fakeDb();
    const monque = new Monque(db, {
      heartbeatInterval: 10,
      lockTimeout: 20,
      recoverStaleJobs: false,
    });
    await monque.start();
    await vi.waitFor(() => expect(calls).toContain('updateMany'));
    expect(monque.isHealthy()).toBe(true);
    await monque.stop();
  });

  it('wraps a failed enqueue write in a ConnectionError', async () => {
    const { db } = fakeDb({ failWrites: networkError('write failed') });
    const monque = new Monque(db);
    await expect(monque.enqueue('a', null)).rejects.toThrow(
      /^could not enqueue job "a": write failed$/,
    );
    await expect(monque.enqueue('a', null, { uniqueKey: 'k' })).rejects.toBeInstanceOf(
      ConnectionError,
    );
    await expect(monque.schedule('* * * * *', 'a', null)).rejects.toThrow(
      /could not schedule job "a"/,
    );
  });

  it('stops without having started, and waits for a stop in progress before starting', async () => {
    const monque = new Monque(fakeDb().db);
    await monque.stop();
    await monque.start();
    expect(monque.isHealthy()).toBe(true);
    const stopping = monque.stop();
    const starting = monque.start();
    await stopping;
    await starting;
    expect(monque.isHealthy()).toBe(true);
    await monque.start();
    await monque.stop();
    expect(monque.isHealthy()).toBe(false);
  });
});
