import {
  type ChangeStreamDocument,
  type CommandStartedEvent,
  type Document,
  Timestamp,
} from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnyDoc } from './harness.js';
import {
  type Harness,
  nextChange,
  nextStarted,
  nextSuccess,
  openStream,
  startHarness,
  within,
} from './harness.js';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});

afterAll(async () => {
  await harness.close();
});

function ids(changes: ChangeStreamDocument[]): unknown[] {
  return changes.map((change) => ('documentKey' in change ? change.documentKey._id : undefined));
}

describe('change events through the driver', () => {
  it('reports insert, update, replace and delete as MongoDB does', async () => {
    const collection = harness.client.db('events').collection<AnyDoc>('crud');
    await collection.insertOne({ _id: 'seed', list: [1, 2, 3] });
    const { stream, first } = await openStream(harness.client, () => collection.watch());
    try {
      await collection.insertOne({ _id: 1, a: 1 });
      await collection.updateOne({ _id: 1 }, { $set: { b: 2 }, $unset: { a: '' } });
      await collection.updateOne({ _id: 'seed' }, [{ $set: { list: [1] } }]);
      await collection.replaceOne({ _id: 1 }, { c: 3 });
      await collection.deleteOne({ _id: 1 });

      const insert = await first;
      expect(insert).toMatchObject({
        operationType: 'insert',
        ns: { db: 'events', coll: 'crud' },
        documentKey: { _id: 1 },
        fullDocument: { _id: 1, a: 1 },
      });
      expect(insert._id).toEqual({ _data: expect.stringMatching(/^[0-9a-f]+$/) });
      expect(insert.clusterTime).toBeInstanceOf(Timestamp);
      expect('wallTime' in insert && insert.wallTime).toBeInstanceOf(Date);

      const update = await nextChange(stream);
      expect(update).toMatchObject({
        operationType: 'update',
        documentKey: { _id: 1 },
        updateDescription: { updatedFields: { b: 2 }, removedFields: ['a'], truncatedArrays: [] },
      });
      expect('fullDocument' in update).toBe(false);

      const truncate = await nextChange(stream);
      expect(truncate).toMatchObject({
        operationType: 'update',
        updateDescription: { truncatedArrays: [{ field: 'list', newSize: 1 }] },
      });

      const replace = await nextChange(stream);
      expect(replace).toMatchObject({ operationType: 'replace', fullDocument: { _id: 1, c: 3 } });

      const remove = await nextChange(stream);
      expect(remove).toMatchObject({ operationType: 'delete', documentKey: { _id: 1 } });
      expect('fullDocument' in remove).toBe(false);

      const tokens = [insert, update, truncate, replace, remove].map(
        (change) => (change._id as { _data: string })._data,
      );
      expect([...tokens].sort()).toEqual(tokens);
    } finally {
      await stream.close();
    }
  });

  it('ends a collection stream with drop and invalidate', async () => {
    const db = harness.client.db('events');
    await db.collection<AnyDoc>('dropped').insertOne({ _id: 1 });
    const { stream, first } = await openStream(harness.client, () =>
      db.collection<AnyDoc>('dropped').watch(),
    );
    await db.dropCollection('dropped');
    expect(await first).toMatchObject({
      operationType: 'drop',
      ns: { db: 'events', coll: 'dropped' },
    });
    const invalidate = await nextChange(stream);
    expect(invalidate.operationType).toBe('invalidate');
    expect(await within(stream.hasNext(), 5000, 'hasNext after invalidate')).toBe(false);
    expect(stream.closed).toBe(true);
  });

  it('reports every collection of a database, then dropDatabase and invalidate', async () => {
    const db = harness.client.db('events_db_level');
    await db.collection<AnyDoc>('x').insertOne({ _id: 0 });
    const { stream, first } = await openStream(harness.client, () => db.watch());
    try {
      await db.collection<AnyDoc>('a').insertOne({ _id: 'a' });
      await harness.client
        .db('events_elsewhere')
        .collection<AnyDoc>('a')
        .insertOne({ _id: 'other' });
      await db.collection<AnyDoc>('b').insertOne({ _id: 'b' });
      await db.dropDatabase();
      const changes = [await first];
      while (changes.length < 7) changes.push(await nextChange(stream));
      expect(changes.map((change) => change.operationType)).toEqual([
        'insert',
        'insert',
        'drop',
        'drop',
        'drop',
        'dropDatabase',
        'invalidate',
      ]);
      expect(ids(changes.slice(0, 2))).toEqual(['a', 'b']);
      const dropped = changes.slice(2, 5).map((change) => ('ns' in change ? change.ns : undefined));
      expect(dropped).toEqual(
        expect.arrayContaining([
          { db: 'events_db_level', coll: 'x' },
          { db: 'events_db_level', coll: 'a' },
          { db: 'events_db_level', coll: 'b' },
        ]),
      );
      expect(changes[5]).toMatchObject({ ns: { db: 'events_db_level' } });
    } finally {
      await stream.close();
    }
  });

  it('reports every database on the client level, but not the internal ones', async () => {
    const { stream, first } = await openStream(harness.client, () => harness.client.watch());
    try {
      await harness.client.db('cluster_one').collection<AnyDoc>('c').insertOne({ _id: 1 });
      await harness.client.db('config').collection<AnyDoc>('c').insertOne({ _id: 'internal' });
      await harness.client.db('cluster_two').collection<AnyDoc>('c').insertOne({ _id: 2 });
      const changes = [await first, await nextChange(stream)];
      expect(changes.map((change) => 'ns' in change && change.ns)).toEqual([
        { db: 'cluster_one', coll: 'c' },
        { db: 'cluster_two', coll: 'c' },
      ]);
    } finally {
      await stream.close();
    }
  });

  it("looks up the current document for fullDocument: 'updateLookup'", async () => {
    const collection = harness.client.db('events').collection<{ _id: number; n: number }>('lookup');
    await collection.insertOne({ _id: 1, n: 0 });
    await collection.insertOne({ _id: 2, n: 0 });
    const { stream, first } = await openStream(harness.client, () =>
      collection.watch([], { fullDocument: 'updateLookup' }),
    );
    try {
      await collection.updateOne({ _id: 1 }, { $inc: { n: 1 } });
      await collection.updateOne({ _id: 2 }, { $inc: { n: 1 } });
      await collection.deleteOne({ _id: 2 });
      const updated = await first;
      expect(updated).toMatchObject({ operationType: 'update', fullDocument: { _id: 1, n: 1 } });
      const gone = await nextChange(stream);
      expect(gone).toMatchObject({
        operationType: 'update',
        documentKey: { _id: 2 },
        fullDocument: null,
      });
    } finally {
      await stream.close();
    }
  });

  it('runs $match and $project stages on the events', async () => {
    const collection = harness.client.db('events').collection<AnyDoc>('pipeline');
    const { stream, first } = await openStream(harness.client, () =>
      collection.watch([
        { $match: { 'fullDocument.wanted': true } },
        { $project: { kind: '$operationType', documentKey: 1 } },
      ]),
    );
    try {
      await collection.insertOne({ _id: 1, wanted: false });
      await collection.insertOne({ _id: 2, wanted: true });
      const change = (await first) as Document;
      // As MongoDB: included fields keep the event's order, computed ones follow.
      expect(Object.keys(change)).toEqual(['_id', 'documentKey', 'kind']);
      expect(change).toMatchObject({ kind: 'insert', documentKey: { _id: 2 } });
    } finally {
      await stream.close();
    }
  });

  it('returns an awaiting getMore with the event that arrived, not at the end of the await time', async () => {
    // An await time far beyond the test's own limits: if the getMore only returned when it ran
    // out, this test would fail on its time limit. The reply of the very getMore that was waiting
    // must carry the change (no empty batch, no second getMore).
    const awaitTimeMS = 10 * 60_000;
    const collection = harness.client.db('events').collection<AnyDoc>('latency');
    const getMores: CommandStartedEvent[] = [];
    const record = (event: CommandStartedEvent): void => {
      if (event.commandName === 'getMore') getMores.push(event);
    };
    harness.client.on('commandStarted', record);
    const waiting = nextStarted(harness.client, 'getMore');
    const answered = nextSuccess(harness.client, 'getMore');
    const { stream, first } = await openStream(harness.client, () =>
      collection.watch([], { maxAwaitTimeMS: awaitTimeMS }),
    );
    try {
      const { command } = await waiting;
      expect(command.maxTimeMS).toBe(awaitTimeMS);
      await collection.insertOne({ _id: 'now' });
      const reply = (await answered).reply as { cursor: { nextBatch: unknown[] } };
      expect(reply.cursor.nextBatch).toMatchObject([{ operationType: 'insert' }]);
      expect((await first).operationType).toBe('insert');
      expect(getMores).toHaveLength(1);
    } finally {
      harness.client.off('commandStarted', record);
      await stream.close();
    }
  });
});
