import { type Document, Long, UUID } from 'bson';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RawWireClient } from '../helpers/raw-wire-client.js';
import { startTestEmulator, type TestEmulator } from '../helpers/start-test-emulator.js';

/**
 * The transaction state machine at the protocol level: the exact commands a driver sends
 * (`lsid`, `txnNumber`, `autocommit: false`, `startTransaction: true`) and mongod's answers.
 */
describe('transactions: session state over the wire', () => {
  let env: TestEmulator;
  let raw: RawWireClient;
  let lsid: Document;

  beforeEach(async () => {
    env = await startTestEmulator();
    raw = await RawWireClient.connect(env.server.port);
    lsid = { id: new UUID() };
  });
  afterEach(async () => {
    raw.close();
    await env.stop();
  });

  /** One statement of transaction `txnNumber` on the test's session. */
  const statement = (txnNumber: number, command: Document, start = false): Promise<Document> =>
    raw.command({
      ...command,
      lsid,
      txnNumber: Long.fromNumber(txnNumber),
      autocommit: false,
      ...(start ? { startTransaction: true } : {}),
      $db: command.$db ?? 'test',
    });
  const insert = (txnNumber: number, _id: number, start = false) =>
    statement(txnNumber, { insert: 'c', documents: [{ _id }] }, start);
  const commit = (txnNumber: number) =>
    statement(txnNumber, { commitTransaction: 1, $db: 'admin' });
  const abort = (txnNumber: number) => statement(txnNumber, { abortTransaction: 1, $db: 'admin' });
  const items = () => env.client.db('test').collection<{ _id: number }>('c');
  const stored = () => items().find().sort({ _id: 1 }).toArray();

  it('starts, continues and commits; a commit retry answers ok again', async () => {
    expect(await insert(1, 1, true)).toMatchObject({ ok: 1, n: 1 });
    expect(await insert(1, 2)).toMatchObject({ ok: 1, n: 1 });
    expect(await commit(1)).toMatchObject({ ok: 1 });
    expect(await commit(1)).toMatchObject({ ok: 1 });
    expect(await stored()).toEqual([{ _id: 1 }, { _id: 2 }]);
    const after = await insert(1, 3);
    expect(after).toMatchObject({
      ok: 0,
      code: 256,
      codeName: 'TransactionCommitted',
      errmsg: 'Transaction with { txnNumber: 1 } has been committed.',
    });
  });

  it('answers NoSuchTransaction for a number that never started, with the active number', async () => {
    const none = await insert(7, 1);
    expect(none).toMatchObject({
      ok: 0,
      code: 251,
      codeName: 'NoSuchTransaction',
      errmsg:
        'Given transaction number 7 does not match any in-progress transactions. The active transaction number is -1',
      errorLabels: ['TransientTransactionError'],
    });
    await insert(2, 1, true);
    expect(await commit(3)).toMatchObject({
      code: 251,
      errmsg:
        'Given transaction number 3 does not match any in-progress transactions. The active transaction number is 2',
    });
  });

  it('answers NoSuchTransaction after an abort; an abort discards the writes', async () => {
    await insert(1, 1, true);
    expect(await abort(1)).toMatchObject({ ok: 1 });
    expect(await stored()).toEqual([]);
    for (const reply of [await insert(1, 2), await commit(1), await abort(1)]) {
      expect(reply).toMatchObject({
        ok: 0,
        code: 251,
        errmsg: 'Transaction with { txnNumber: 1 } has been aborted.',
      });
    }
    // NoSuchTransaction on commit is transient; on a statement too.
    expect((await commit(1)).errorLabels).toEqual(['TransientTransactionError']);
  });

  it('answers TransactionTooOld for an older number, and a new number aborts the one in progress', async () => {
    await insert(5, 1, true);
    const old = await insert(4, 2, true);
    expect(old).toMatchObject({ ok: 0, code: 225, codeName: 'TransactionTooOld' });
    expect(old.errmsg).toContain('because a newer transaction');
    expect(await insert(5, 3, true)).toMatchObject({
      code: 117,
      codeName: 'ConflictingOperationInProgress',
    });
    expect(await insert(6, 4, true)).toMatchObject({ ok: 1 });
    expect(await commit(5)).toMatchObject({ code: 225 });
    expect(await commit(6)).toMatchObject({ ok: 1 });
    expect(await stored()).toEqual([{ _id: 4 }]);
  });

  it('checks the session fields as mongod does', async () => {
    const send = (fields: Document) =>
      raw.command({ insert: 'c', documents: [{ _id: 1 }], lsid, $db: 'test', ...fields });
    expect(await send({ autocommit: false })).toMatchObject({
      code: 72,
      errmsg: "'autocommit' field requires a transaction number to also be specified",
    });
    expect(await send({ txnNumber: Long.fromNumber(1), autocommit: true })).toMatchObject({
      code: 72,
      errmsg: 'Specifying autocommit=true is not allowed.',
    });
    expect(await send({ txnNumber: Long.fromNumber(1), startTransaction: true })).toMatchObject({
      code: 72,
      errmsg: "'startTransaction' field requires 'autocommit' field to also be specified",
    });
    expect(
      await send({ txnNumber: Long.fromNumber(1), autocommit: false, startTransaction: false }),
    ).toMatchObject({ code: 72, errmsg: 'Specifying startTransaction=false is not allowed.' });
    const withConcern = await statement(
      1,
      { insert: 'c', documents: [{ _id: 1 }], writeConcern: { w: 1 } },
      true,
    );
    expect(withConcern).toMatchObject({
      code: 72,
      errmsg: 'writeConcern is not allowed within a multi-statement transaction',
    });
    await insert(2, 1, true);
    expect(await statement(2, { find: 'c', readConcern: { level: 'snapshot' } })).toMatchObject({
      code: 72,
      errmsg: 'Only the first command in a transaction may specify a readConcern',
    });
    expect(await raw.command({ commitTransaction: 1, $db: 'admin' })).toMatchObject({
      code: 72,
      errmsg: 'commitTransaction must be run within a transaction',
    });
  });

  it('refuses what MongoDB does not run in a transaction with 263, without aborting it', async () => {
    await insert(1, 1, true);
    for (const [command, message] of [
      [{ count: 'c' }, "Cannot run 'count' in a multi-document transaction."],
      [{ drop: 'c' }, "Cannot run 'drop' in a multi-document transaction."],
      [{ listCollections: 1 }, "Cannot run 'listCollections' in a multi-document transaction."],
      [
        { aggregate: 'c', pipeline: [{ $changeStream: {} }], cursor: {} },
        'Operation not permitted in transaction :: caused by :: Stage not supported inside of a multi-document transaction: $changeStream',
      ],
    ] as const) {
      const reply = await statement(1, command);
      expect(reply).toMatchObject({
        ok: 0,
        code: 263,
        codeName: 'OperationNotSupportedInTransaction',
        errmsg: message,
      });
      expect(reply.errorLabels).toBeUndefined();
    }
    expect(await commit(1)).toMatchObject({ ok: 1 });
    expect(await stored()).toEqual([{ _id: 1 }]);
  });

  it('refuses a new index on an existing collection with 263; the failed statement aborts', async () => {
    await items().insertOne({ _id: 0 });
    await insert(1, 1, true);
    const reply = await statement(1, {
      createIndexes: 'c',
      indexes: [{ key: { a: 1 }, name: 'a_1' }],
    });
    expect(reply).toMatchObject({
      ok: 0,
      code: 263,
      codeName: 'OperationNotSupportedInTransaction',
      errmsg:
        'Cannot create new indexes on existing collection test.c in a multi-document transaction.',
    });
    expect(await commit(1)).toMatchObject({ code: 251 });
    const indexes = await env.client.db('test').collection('c').listIndexes().toArray();
    expect(indexes.map((index) => index.name)).toEqual(['_id_']);
    expect(await stored()).toEqual([{ _id: 0 }]);
  });

  it('refuses a transaction on the config and local databases', async () => {
    const reply = await statement(1, { find: 'c', $db: 'local' }, true);
    expect(reply).toMatchObject({
      code: 263,
      errmsg: "Cannot run command against the 'local' database in a transaction.",
    });
  });

  it('createIndexes inside a transaction builds on a collection the transaction created', async () => {
    const created = await statement(
      1,
      { createIndexes: 'fresh', indexes: [{ key: { a: 1 }, name: 'a_1' }] },
      true,
    );
    expect(created).toMatchObject({ ok: 1, createdCollectionAutomatically: true });
    const existing = await statement(1, {
      createIndexes: 'fresh',
      indexes: [{ key: { a: 1 }, name: 'a_1' }],
    });
    expect(existing).toMatchObject({ ok: 1, note: 'all indexes already exist' });
    const before = await env.client.db('test').listCollections({ name: 'fresh' }).toArray();
    expect(before).toEqual([]);
    expect(await commit(1)).toMatchObject({ ok: 1 });
    const indexes = await env.client.db('test').collection('fresh').listIndexes().toArray();
    expect(indexes.map((index) => index.name)).toEqual(['_id_', 'a_1']);
  });

  it('endSessions aborts the session’s transaction in progress', async () => {
    await insert(1, 1, true);
    expect(env.server.transactions.openTransactions).toBe(1);
    expect(await raw.command({ endSessions: [lsid], $db: 'admin' })).toMatchObject({ ok: 1 });
    expect(env.server.transactions.openTransactions).toBe(0);
    expect(await commit(1)).toMatchObject({ code: 251 });
    expect(await stored()).toEqual([]);
  });

  it('a retryable write with the number of a transaction answers IncompleteTransactionHistory', async () => {
    await insert(1, 1, true);
    await commit(1);
    const retryableInsert = (txnNumber: number) =>
      raw.command({
        insert: 'c',
        documents: [{ _id: 2 }],
        lsid,
        txnNumber: Long.fromNumber(txnNumber),
        $db: 'test',
      });
    const retry = await retryableInsert(1);
    expect(retry).toMatchObject({ ok: 0, code: 217, codeName: 'IncompleteTransactionHistory' });
    const newer = await retryableInsert(2);
    expect(newer).toMatchObject({ ok: 1, n: 1 });
    expect(await insert(1, 3, true)).toMatchObject({ code: 225 });
  });
});

describe('transactions: lifetime limit', () => {
  let env: TestEmulator;
  afterEach(() => env.stop());

  it('aborts a transaction older than transactionLifetimeLimitSeconds; its commit answers NoSuchTransaction', async () => {
    env = await startTestEmulator({ transactionLifetimeLimitSeconds: 0.2 });
    const parameter = await env.client
      .db('admin')
      .command({ getParameter: 1, transactionLifetimeLimitSeconds: 1 });
    expect(parameter.transactionLifetimeLimitSeconds).toBe(0.2);
    const session = env.client.startSession();
    try {
      session.startTransaction();
      await env.client
        .db('test')
        .collection<{ _id: number }>('c')
        .insertOne({ _id: 1 }, { session });
      expect(env.server.transactions.openTransactions).toBe(1);
      // The server aborts it on its own once the limit passes.
      await expect
        .poll(() => env.server.transactions.openTransactions, { timeout: 10_000 })
        .toBe(0);
      const error = await session.commitTransaction().catch((e: unknown) => e);
      expect(error).toMatchObject({
        code: 251,
        errmsg: 'Transaction with { txnNumber: 1 } has been aborted.',
      });
    } finally {
      await session.endSession();
    }
    expect(await env.client.db('test').collection('c').countDocuments()).toBe(0);
  });
});
