import type { ChangeStreamDocument, Document } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverError } from '../helpers/server-error.js';
import { startTestEmulator, type TestEmulator } from '../helpers/start-test-emulator.js';

let env: TestEmulator;
beforeAll(async () => {
  env = await startTestEmulator();
});
afterAll(() => env.stop());

type Doc = Document & { _id: number };
const db = () => env.client.db('coll_mod');
/** A reply's fields in order, without the cluster time every replica-set reply carries. */
const fields = (reply: Document) =>
  Object.entries(reply).filter(([name]) => name !== '$clusterTime' && name !== 'operationTime');

describe('collMod index hidden', () => {
  it('hides and unhides by name or key pattern, answering hidden_old/hidden_new on a change', async () => {
    const c = db().collection<Doc>('hide');
    await c.insertMany([
      { _id: 1, a: 1 },
      { _id: 2, a: 2 },
    ]);
    await c.createIndex({ a: 1 });
    const plan = async () => {
      const explained = await c.find({ a: 1 }).explain('queryPlanner');
      return JSON.stringify(explained.queryPlanner.winningPlan).match(/"stage":"(\w+)"/g);
    };
    expect(await plan()).toEqual(['"stage":"FETCH"', '"stage":"IXSCAN"']);

    const hide = await db().command({ collMod: 'hide', index: { name: 'a_1', hidden: true } });
    expect(fields(hide)).toEqual([
      ['hidden_old', false],
      ['hidden_new', true],
      ['ok', 1],
    ]);
    expect((await c.listIndexes().toArray())[1]).toEqual({
      v: 2,
      key: { a: 1 },
      name: 'a_1',
      hidden: true,
    });
    expect(await plan()).toEqual(['"stage":"COLLSCAN"']);
    // Still maintained while hidden.
    await c.insertOne({ _id: 3, a: 3 });

    // Hiding a hidden index changes nothing.
    expect(
      fields(await db().command({ collMod: 'hide', index: { name: 'a_1', hidden: true } })),
    ).toEqual([['ok', 1]]);
    const unhide = await db().command({
      collMod: 'hide',
      index: { keyPattern: { a: 1 }, hidden: false },
    });
    expect(fields(unhide)).toEqual([
      ['hidden_old', true],
      ['hidden_new', false],
      ['ok', 1],
    ]);
    // An unhidden index shows no `hidden` field.
    expect((await c.listIndexes().toArray())[1]).toEqual({ v: 2, key: { a: 1 }, name: 'a_1' });
    expect(await plan()).toEqual(['"stage":"FETCH"', '"stage":"IXSCAN"']);
    expect((await c.find({ a: 3 }).toArray()).map((d) => d._id)).toEqual([3]);
  });

  it('answers MongoDB errors for a missing index, the _id index and malformed requests', async () => {
    const c = db().collection<Doc>('hide_errors');
    await c.createIndex({ a: 1 });
    const cases: Array<[Document, number, string, string?]> = [
      [
        { name: 'nope', hidden: true },
        27,
        'IndexNotFound',
        'cannot find index nope for ns coll_mod.hide_errors',
      ],
      [{ keyPattern: { b: 1 }, hidden: true }, 27, 'IndexNotFound'],
      [{ name: '_id_', hidden: true }, 2, 'BadValue', "can't hide _id index"],
      [
        { name: 'a_1', keyPattern: { a: 1 }, hidden: true },
        72,
        'InvalidOptions',
        'Cannot specify both key pattern and name.',
      ],
      [{ hidden: true }, 72, 'InvalidOptions', 'Must specify either index name or key pattern.'],
      [
        { name: 'a_1' },
        72,
        'InvalidOptions',
        'no expireAfterSeconds, hidden, unique, or prepareUnique field',
      ],
      [{ name: 'a_1', expireAfterSeconds: 10 }, 115, 'CommandNotSupported'],
      [{ name: 'a_1', hidden: true, other: 1 }, 40415, 'Location40415'],
    ];
    for (const [index, code, codeName, message] of cases) {
      const error = await serverError(db().command({ collMod: 'hide_errors', index }));
      expect([error.code, error.codeName], JSON.stringify(index)).toEqual([code, codeName]);
      if (message) expect(error.message).toBe(message);
    }
  });

  it('reports the change as a modify event with indexOptions before it', async () => {
    const c = db().collection<Doc>('hide_events');
    await c.createIndex({ a: 1 });
    const stream = db().watch([], { showExpandedEvents: true, maxAwaitTimeMS: 50 });
    await stream.tryNext();
    await db().command({ collMod: 'hide_events', index: { name: 'a_1', hidden: true } });
    const event = (await stream.next()) as ChangeStreamDocument & Document;
    await stream.close();
    expect(event.operationType).toBe('modify');
    expect(event.operationDescription).toEqual({ index: { name: 'a_1', hidden: true } });
    expect(Object.keys(event.stateBeforeChange)).toEqual(['collectionOptions', 'indexOptions']);
    expect(event.stateBeforeChange.indexOptions).toEqual({ hidden: false });
  });
});

describe('dropIndexes by an ambiguous key pattern', () => {
  it('answers AmbiguousIndexKeyPattern (181)', async () => {
    const c = db().collection<Doc>('ambiguous');
    await c.createIndex({ a: 1 }, { name: 'all' });
    await c.createIndex({ a: 1 }, { name: 'some', partialFilterExpression: { a: { $gt: 0 } } });
    const error = await serverError(c.dropIndex({ a: 1 } as never));
    expect([error.code, error.codeName]).toEqual([181, 'AmbiguousIndexKeyPattern']);
  });
});
