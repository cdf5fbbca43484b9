import type { ChangeStreamDocument, Document } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from '../helpers/start-test-emulator.js';

let env: TestEmulator;
beforeAll(async () => {
  env = await startTestEmulator();
});
afterAll(() => env.stop());

/** The next `count` events of a stream. */
async function events(
  stream: AsyncIterable<ChangeStreamDocument> & { next(): Promise<ChangeStreamDocument> },
  count: number,
): Promise<Document[]> {
  const out: Document[] = [];
  for (let i = 0; i < count; i++) out.push((await stream.next()) as Document);
  return out;
}

describe('change streams with showExpandedEvents', () => {
  it('report create, createIndexes, dropIndexes and modify, and collectionUUID on every event', async () => {
    const db = env.client.db('expanded');
    const expanded = db.watch([], { showExpandedEvents: true, maxAwaitTimeMS: 50 });
    const plain = db.watch([], { maxAwaitTimeMS: 50 });
    await expanded.tryNext();
    await plain.tryNext();
    await db.createCollection('jobs', { validator: { n: { $gte: 0 } } });
    const jobs = db.collection<{ _id: number; [key: string]: unknown }>('jobs');
    await jobs.createIndex({ name: 1 });
    await jobs.insertOne({ _id: 1, name: 'a', n: 1, list: [1, 2] });
    await jobs.createIndexes([{ key: { n: 1 } }, { key: { n: -1 } }]);
    await jobs.updateOne({ _id: 1 }, { $set: { 'list.1': 5 } });
    await db.command({ collMod: 'jobs', validationLevel: 'moderate' });
    await jobs.dropIndex('name_1');
    await jobs.rename('tasks');

    const seen = await events(expanded, 8);
    expect(seen.map((event) => event.operationType)).toEqual([
      'create',
      'createIndexes',
      'insert',
      'createIndexes',
      'update',
      'modify',
      'dropIndexes',
      'rename',
    ]);
    const [info] = await db.listCollections({ name: 'tasks' }).toArray();
    const uuid = (info as Document).info.uuid.toString('hex');
    for (const event of seen)
      expect(event.collectionUUID.toString('hex'), event.operationType).toBe(uuid);

    const [create, oneIndex, insert, twoIndexes, update, modify, dropped, rename] =
      seen as Document[];
    expect(create?.operationDescription).toEqual({
      validator: { n: { $gte: 0 } },
      validationLevel: 'strict',
      validationAction: 'error',
      idIndex: { v: 2, key: { _id: 1 }, name: '_id_' },
    });
    expect(oneIndex?.operationDescription).toEqual({
      indexes: [{ v: 2, key: { name: 1 }, name: 'name_1' }],
    });
    expect(Object.keys(insert ?? {})).toEqual([
      '_id',
      'operationType',
      'clusterTime',
      'collectionUUID',
      'wallTime',
      'fullDocument',
      'ns',
      'documentKey',
    ]);
    // Built over an existing document, the two indexes are one event.
    expect(twoIndexes?.operationDescription.indexes.map((spec: Document) => spec.name)).toEqual([
      'n_1',
      'n_-1',
    ]);
    expect(update?.updateDescription).toEqual({
      updatedFields: { 'list.1': 5 },
      removedFields: [],
      truncatedArrays: [],
      disambiguatedPaths: { 'list.1': ['list', 1] },
    });
    expect(modify?.operationDescription).toEqual({ validationLevel: 'moderate' });
    expect(modify?.stateBeforeChange.collectionOptions).toMatchObject({
      validator: { n: { $gte: 0 } },
      validationLevel: 'strict',
    });
    expect(dropped?.operationDescription).toEqual({
      indexes: [{ v: 2, key: { name: 1 }, name: 'name_1' }],
    });
    expect(rename?.operationDescription).toEqual({ to: { db: 'expanded', coll: 'tasks' } });

    // Without the option: no DDL events, no expanded fields.
    const ordinary = await events(plain, 3);
    expect(ordinary.map((event) => event.operationType)).toEqual(['insert', 'update', 'rename']);
    expect(ordinary[0]?.collectionUUID).toBeUndefined();
    expect(ordinary[1]?.updateDescription).toEqual({
      updatedFields: { 'list.1': 5 },
      removedFields: [],
      truncatedArrays: [],
    });
    await expanded.close();
    await plain.close();
  });
});
