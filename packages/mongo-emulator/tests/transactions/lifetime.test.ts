import { type Document, Long, UUID } from 'bson';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LogicalClock } from '../../src/clock.js';
import type { CommandContext } from '../../src/commands/context.js';
import { crudCommands } from '../../src/commands/crud/index.js';
import { CommandError } from '../../src/errors.js';
import { RetryableWriteCache } from '../../src/sessions.js';
import { StorageEngine } from '../../src/storage/engine.js';
import { readSessionInfo, TransactionCoordinator } from '../../src/transactions/index.js';

/**
 * The lifetime limit with the clock under test control: the coordinator (no network) with fake
 * timers, so the limit is checked to the millisecond.
 */
describe('transactions: lifetime limit (fake timers)', () => {
  let engine: StorageEngine;
  let coordinator: TransactionCoordinator;
  const lsid = { id: new UUID() };

  beforeEach(() => {
    vi.useFakeTimers();
    engine = new StorageEngine(new LogicalClock());
    coordinator = new TransactionCoordinator({
      engine,
      retryableWrites: new RetryableWriteCache(),
    });
  });
  afterEach(() => {
    coordinator.close();
    vi.useRealTimers();
  });

  /** Runs one command of transaction 1 through the coordinator, as the dispatcher does. */
  async function run(command: Document, start = false): Promise<Document> {
    const full = {
      ...command,
      lsid,
      txnNumber: Long.fromNumber(1),
      autocommit: false,
      ...(start ? { startTransaction: true } : {}),
    };
    const name = Object.keys(command)[0] as string;
    const session = readSessionInfo(full, name, 'test', 'rs0');
    const context = { dbName: 'test', engine, clock: engine.clock } as unknown as CommandContext;
    return coordinator.run(full, name, session, context, (view) => {
      const handler = crudCommands[name];
      if (handler === undefined) return {};
      return handler(full, view);
    });
  }

  async function failure(promise: Promise<unknown>): Promise<CommandError> {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!(error instanceof CommandError)) throw new Error(`expected a CommandError, got ${error}`);
    return error;
  }

  it('defaults to 60 s, as mongod', () => {
    expect(coordinator.lifetimeLimitSeconds).toBe(60);
  });

  it('keeps the transaction until the limit and aborts it exactly then', async () => {
    await run({ insert: 'c', documents: [{ _id: 1 }] }, true);
    vi.advanceTimersByTime(59_999);
    expect(coordinator.openTransactions).toBe(1);
    expect(await run({ insert: 'c', documents: [{ _id: 2 }] })).toMatchObject({ n: 1 });

    vi.advanceTimersByTime(1);
    expect(coordinator.openTransactions).toBe(0);
    const error = await failure(run({ insert: 'c', documents: [{ _id: 3 }] }));
    expect(error).toMatchObject({
      code: 251,
      codeName: 'NoSuchTransaction',
      message: 'Transaction with { txnNumber: 1 } has been aborted.',
    });
    expect(engine.collection('test', 'c')).toBeUndefined();
  });

  it('a commit before the limit stops the clock: nothing is aborted later', async () => {
    await run({ insert: 'c', documents: [{ _id: 1 }] }, true);
    vi.advanceTimersByTime(30_000);
    await run({ commitTransaction: 1 });
    vi.advanceTimersByTime(60_000);
    expect(engine.collection('test', 'c')?.all()).toEqual([{ _id: 1 }]);
    expect(await run({ commitTransaction: 1 })).toEqual({});
  });

  it('refuses a limit that is not positive', () => {
    expect(
      () =>
        new TransactionCoordinator({
          engine,
          retryableWrites: new RetryableWriteCache(),
          lifetimeLimitSeconds: 0,
        }),
    ).toThrow(RangeError);
  });
});
