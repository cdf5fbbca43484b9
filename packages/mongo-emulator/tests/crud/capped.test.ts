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
const db = () => env.client.db('capped');
const optionsOf = async (name: string) =>
  ((await db().listCollections({ name }).toArray())[0] as Document).options;

describe('capped collections', () => {
  it('are created with capped/size/max, size rounded up to a multiple of 256', async () => {
    await db().createCollection('log', { capped: true, size: 1000 });
    expect(await optionsOf('log')).toEqual({ capped: true, size: 1024 });
    await db().createCollection('log2', {
      capped: true,
      size: 5242880,
      max: 5000,
      validator: { n: { $gte: 0 } },
    });
    expect(Object.entries(await optionsOf('log2'))).toEqual([
      ['capped', true],
      ['size', 5242880],
      ['max', 5000],
      ['validator', { n: { $gte: 0 } }],
      ['validationLevel', 'strict'],
      ['validationAction', 'error'],
    ]);
    expect(await db().collection('log').isCapped()).toBe(true);
    expect(await db().collection('log2').isCapped()).toBe(true);
    // The same options again succeed; other options conflict.
    await db().createCollection('log', { capped: true, size: 1000 });
    const exists = await serverError(db().createCollection('log', { capped: true, size: 5000 }));
    expect([exists.code, exists.codeName]).toEqual([48, 'NamespaceExists']);
  });

  it('keep at most `max` documents, deleting the oldest (reported as deletes)', async () => {
    await db().createCollection('recent', { capped: true, size: 100000, max: 3 });
    const recent = db().collection<Doc>('recent');
    const stream = recent.watch([], { maxAwaitTimeMS: 50 });
    await stream.tryNext();
    for (let i = 1; i <= 5; i++) await recent.insertOne({ _id: i, i });
    await recent.insertMany([
      { _id: 6, i: 6 },
      { _id: 7, i: 7 },
    ]);
    expect((await recent.find().toArray()).map((d) => d._id)).toEqual([5, 6, 7]);
    expect((await recent.find().sort({ $natural: -1 }).toArray()).map((d) => d._id)).toEqual([
      7, 6, 5,
    ]);
    const events: Document[] = [];
    for (let i = 0; i < 11; i++) events.push((await stream.next()) as ChangeStreamDocument);
    await stream.close();
    expect(events.map((e) => `${e.operationType} ${e.documentKey._id}`)).toEqual([
      'insert 1',
      'insert 2',
      'insert 3',
      'insert 4',
      'delete 1',
      'insert 5',
      'delete 2',
      'insert 6',
      'delete 3',
      'insert 7',
      'delete 4',
    ]);
  });

  it('keep their documents within `size` bytes, but never delete the document just inserted', async () => {
    await db().createCollection('sized', { capped: true, size: 256 });
    const sized = db().collection<Doc>('sized');
    const pad = 'x'.repeat(80); // each document is 104 bytes of BSON: two fit in 256
    for (let i = 1; i <= 4; i++) await sized.insertOne({ _id: i, pad });
    expect((await sized.find().toArray()).map((d) => d._id)).toEqual([3, 4]);
    await sized.insertOne({ _id: 5, pad: 'y'.repeat(1000) });
    expect((await sized.find().toArray()).map((d) => d._id)).toEqual([5]);
    // Updates and deletes are allowed (MongoDB 5.3+), also when they change a document's size.
    await sized.updateOne({ _id: 5 }, { $set: { pad: 'z' } });
    expect(await sized.findOne({ _id: 5 })).toEqual({ _id: 5, pad: 'z' });
    for (let i = 6; i <= 7; i++) await sized.insertOne({ _id: i, pad });
    expect((await sized.find().toArray()).map((d) => d._id)).toEqual([5, 6, 7]);
    await sized.deleteOne({ _id: 6 });
    expect((await sized.find().toArray()).map((d) => d._id)).toEqual([5, 7]);
  });

  it('answer MongoDB errors for bad capped options', async () => {
    const cases: Array<[Document, number, string, string]> = [
      [
        { capped: true },
        72,
        'InvalidOptions',
        "the 'size' field is required when 'capped' is true",
      ],
      [
        { capped: true, max: 500 },
        72,
        'InvalidOptions',
        "the 'size' field is required when 'capped' is true",
      ],
      [
        { size: 1000 },
        72,
        'InvalidOptions',
        "the 'capped' field needs to be true when either the 'size' or 'max' fields are present",
      ],
      [
        { capped: true, size: 0 },
        51024,
        'Location51024',
        "BSON field 'size' value must be >= 1, actual value '0'",
      ],
      [
        { capped: true, size: -500 },
        51024,
        'Location51024',
        "BSON field 'size' value must be >= 1, actual value '-500'",
      ],
      [
        { capped: true, size: 'foo' },
        14,
        'TypeMismatch',
        "BSON field 'create.size' is the wrong type 'string', expected types '[long, int, decimal, double']",
      ],
      [
        { capped: 'foo' },
        14,
        'TypeMismatch',
        "BSON field 'create.capped' is the wrong type 'string', expected types '[bool, long, int, decimal, double']",
      ],
    ];
    for (const [options, code, codeName, message] of cases) {
      const error = await serverError(db().command({ create: 'bad', ...options }));
      expect([error.code, error.codeName, error.message]).toEqual([code, codeName, message]);
    }
  });
});
