import type { ChangeStream, ChangeStreamDocument, Document } from 'mongodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from '../helpers/start-test-emulator.js';

/** Test documents with the non-ObjectId `_id`s the tests use. */
type AnyDoc = { _id: number | string; [field: string]: unknown };

let env: TestEmulator;
beforeEach(async () => {
  env = await startTestEmulator();
});
afterEach(() => env.stop());

/** Opens the stream on the server (the driver opens it lazily) before the writes under test. */
async function opened<T extends Document>(
  stream: ChangeStream<T, ChangeStreamDocument<T>>,
): Promise<ChangeStream<T, ChangeStreamDocument<T>>> {
  expect(await stream.tryNext()).toBeNull();
  return stream;
}

describe('rename change events', () => {
  it('a stream on the renamed collection reports rename with `to`, then invalidate', async () => {
    const db = env.client.db('cs');
    await db.collection<AnyDoc>('source').insertOne({ _id: 1 });
    const stream = await opened(db.collection<AnyDoc>('source').watch([], { maxAwaitTimeMS: 50 }));
    try {
      await db.collection<AnyDoc>('source').rename('target');
      const rename = await stream.next();
      expect(rename).toMatchObject({
        operationType: 'rename',
        ns: { db: 'cs', coll: 'source' },
        to: { db: 'cs', coll: 'target' },
      });
      expect(Object.keys(rename)).toEqual([
        '_id',
        'operationType',
        'clusterTime',
        'wallTime',
        'ns',
        'to',
      ]);
      const invalidate = await stream.next();
      expect(invalidate.operationType).toBe('invalidate');
      expect(stream.closed).toBe(true);
    } finally {
      await stream.close();
    }
  });

  it('a stream on the target collection is only invalidated', async () => {
    const db = env.client.db('cs');
    await db.collection<AnyDoc>('from').insertOne({ _id: 1 });
    await db.collection<AnyDoc>('into').insertOne({ _id: 2 });
    const stream = await opened(db.collection<AnyDoc>('into').watch([], { maxAwaitTimeMS: 50 }));
    try {
      await db.collection<AnyDoc>('from').rename('into', { dropTarget: true });
      const first = await stream.next();
      expect(first.operationType).toBe('invalidate');
    } finally {
      await stream.close();
    }
  });

  it('a database stream reports the rename and goes on under the new name', async () => {
    const db = env.client.db('cs');
    await db.collection<AnyDoc>('old').insertOne({ _id: 1 });
    const stream = await opened(db.watch([], { maxAwaitTimeMS: 50 }));
    try {
      await db.collection<AnyDoc>('old').rename('new');
      await db.collection<AnyDoc>('new').insertOne({ _id: 2 });
      expect(await stream.next()).toMatchObject({
        operationType: 'rename',
        ns: { db: 'cs', coll: 'old' },
        to: { db: 'cs', coll: 'new' },
      });
      expect(await stream.next()).toMatchObject({
        operationType: 'insert',
        ns: { db: 'cs', coll: 'new' },
        documentKey: { _id: 2 },
      });
    } finally {
      await stream.close();
    }
  });

  it('resuming after the rename event yields the invalidate', async () => {
    const coll = env.client.db('cs').collection<AnyDoc>('resumed');
    await coll.insertOne({ _id: 1 });
    const stream = await opened(coll.watch([], { maxAwaitTimeMS: 50 }));
    let token: unknown;
    try {
      await coll.rename('elsewhere');
      const rename = await stream.next();
      token = rename._id;
    } finally {
      await stream.close();
    }
    const resumed = coll.watch([], { resumeAfter: token, maxAwaitTimeMS: 50 });
    try {
      expect((await resumed.next()).operationType).toBe('invalidate');
    } finally {
      await resumed.close();
    }
  });
});
