import type { Document } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverError } from '../helpers/server-error.js';
import { startTestEmulator, type TestEmulator } from '../helpers/start-test-emulator.js';

let env: TestEmulator;
beforeAll(async () => {
  env = await startTestEmulator();
});
afterAll(() => env.stop());

type Doc = Document & { _id: number };
const db = () => env.client.db('output');

async function source(name: string) {
  const c = db().collection<Doc>(name);
  await c.insertMany([
    { _id: 1, kind: 'a', n: 1 },
    { _id: 2, kind: 'b', n: 2 },
    { _id: 3, kind: 'a', n: 3 },
  ]);
  return c;
}

const sorted = async (name: string) =>
  db()
    .collection<Doc>(name)
    .find({}, { sort: { _id: 1 } })
    .toArray();

describe('$out', () => {
  it('replaces the target with the output, keeping its indexes, and answers an empty cursor', async () => {
    const c = await source('out_src');
    const target = db().collection<Doc>('out_target');
    await target.insertOne({ _id: 9, old: true });
    await target.createIndex({ kind: 1 });
    const stream = target.watch([], { maxAwaitTimeMS: 50 });
    await stream.tryNext();
    const reply = await db().command({
      aggregate: 'out_src',
      pipeline: [{ $match: { kind: 'a' } }, { $out: 'out_target' }],
      cursor: {},
    });
    expect(reply.cursor.firstBatch).toEqual([]);
    expect(await sorted('out_target')).toEqual([
      { _id: 1, kind: 'a', n: 1 },
      { _id: 3, kind: 'a', n: 3 },
    ]);
    expect((await target.listIndexes().toArray()).map((i) => i.name)).toEqual(['_id_', 'kind_1']);
    // The target was replaced by a rename over it: its stream ends.
    expect((await stream.next()).operationType).toBe('invalidate');
    await stream.close();
    await c.aggregate([{ $out: { db: 'output', coll: 'out_new' } }]).toArray();
    expect(await sorted('out_new')).toHaveLength(3);
  });

  it('leaves the target unchanged when the output cannot be written', async () => {
    const c = await source('out_dup_src');
    const target = db().collection<Doc>('out_dup_target');
    await target.insertOne({ _id: 7 });
    const duplicate = await serverError(
      c
        .aggregate([{ $project: { _id: 1 } }, { $set: { _id: 1 } }, { $out: 'out_dup_target' }])
        .toArray(),
    );
    expect(duplicate.code).toBe(11000);
    expect(await sorted('out_dup_target')).toEqual([{ _id: 7 }]);
    const names = (await db().listCollections().toArray()).map((info) => info.name);
    expect(names.filter((name) => name.startsWith('tmp.'))).toEqual([]);

    const notLast = await serverError(c.aggregate([{ $out: 'x' }, { $match: {} }]).toArray());
    expect([notLast.code, notLast.message]).toEqual([
      40601,
      '$out can only be the final stage in the pipeline',
    ]);
    const elsewhere = await serverError(
      c.aggregate([{ $out: { db: 'other', coll: 'x' } }]).toArray(),
    );
    expect(elsewhere.code).toBe(115);
  });
});

describe('$merge', () => {
  it('merges into matched documents and inserts the others by default', async () => {
    const c = await source('merge_src');
    const target = db().collection<Doc>('merge_target');
    await target.insertMany([
      { _id: 1, kept: true, n: 0 },
      { _id: 5, untouched: true },
    ]);
    const reply = await db().command({
      aggregate: 'merge_src',
      pipeline: [{ $merge: { into: 'merge_target' } }],
      cursor: {},
    });
    expect(reply.cursor.firstBatch).toEqual([]);
    expect(await sorted('merge_target')).toEqual([
      { _id: 1, kept: true, n: 1, kind: 'a' },
      { _id: 2, kind: 'b', n: 2 },
      { _id: 3, kind: 'a', n: 3 },
      { _id: 5, untouched: true },
    ]);
    await c.aggregate([{ $merge: 'merge_shorthand' }]).toArray();
    expect(await sorted('merge_shorthand')).toHaveLength(3);
  });

  it('replace, keepExisting, fail, a pipeline, discard and fail on no match', async () => {
    const c = await source('merge_modes_src');
    const target = db().collection<Doc>('merge_modes');
    const reset = async () => {
      await target.deleteMany({});
      await target.insertMany([{ _id: 1, old: 1, n: 10 }]);
    };
    const run = (merge: Document) =>
      c.aggregate([{ $merge: { into: 'merge_modes', ...merge } }]).toArray();

    await reset();
    await run({ whenMatched: 'replace', whenNotMatched: 'discard' });
    expect(await sorted('merge_modes')).toEqual([{ _id: 1, kind: 'a', n: 1 }]);
    await reset();
    await run({ whenMatched: 'keepExisting' });
    expect(await sorted('merge_modes')).toEqual([
      { _id: 1, old: 1, n: 10 },
      { _id: 2, kind: 'b', n: 2 },
      { _id: 3, kind: 'a', n: 3 },
    ]);
    await reset();
    await run({
      whenMatched: [{ $set: { n: { $add: ['$n', '$$new.n', '$$bonus'] } } }],
      let: { new: '$$ROOT', bonus: 100 },
      whenNotMatched: 'discard',
    });
    expect(await sorted('merge_modes')).toEqual([{ _id: 1, old: 1, n: 111 }]);
    await reset();
    const failed = await serverError(run({ whenMatched: 'fail' }));
    expect(failed.code).toBe(11000);
    await reset();
    const noMatch = await serverError(run({ whenNotMatched: 'fail' }));
    expect([noMatch.code, noMatch.codeName]).toEqual([13113, 'MergeStageNoMatchingDocument']);
  });

  it('matches on other fields only with a unique index on them', async () => {
    const c = await source('merge_on_src');
    const target = db().collection<Doc>('merge_on');
    await target.insertOne({ _id: 100, kind: 'a', count: 0 });
    const noIndex = await serverError(
      c
        .aggregate([
          { $group: { _id: '$kind', total: { $sum: '$n' } } },
          { $project: { _id: 0, kind: '$_id', total: 1 } },
          { $merge: { into: 'merge_on', on: 'kind' } },
        ])
        .toArray(),
    );
    expect(noIndex.code).toBe(51183);
    await target.createIndex({ kind: 1 }, { unique: true });
    await c
      .aggregate([
        { $group: { _id: '$kind', total: { $sum: '$n' } } },
        { $project: { _id: 0, kind: '$_id', total: 1 } },
        { $merge: { into: 'merge_on', on: 'kind' } },
      ])
      .toArray();
    const merged = await target.find({}, { sort: { kind: 1 } }).toArray();
    expect(merged.map(({ _id, ...rest }) => rest)).toEqual([
      { kind: 'a', count: 0, total: 4 },
      { kind: 'b', total: 2 },
    ]);
    expect(merged[0]?._id).toBe(100);
  });
});

describe('database-level aggregate', () => {
  it('runs a pipeline over $documents, and writes them with $merge', async () => {
    const reply = await db().command({
      aggregate: 1,
      pipeline: [
        { $documents: [{ x: 1 }, { x: 2 }, { x: 3 }] },
        { $match: { x: { $gte: 2 } } },
        { $project: { _id: 0, double: { $multiply: ['$x', 2] } } },
      ],
      cursor: {},
    });
    expect(reply.cursor).toMatchObject({
      ns: 'output.$cmd.aggregate',
      firstBatch: [{ double: 4 }, { double: 6 }],
    });
    await db()
      .aggregate([{ $documents: [{ _id: 1, seeded: true }] }, { $merge: { into: 'seeded' } }])
      .toArray();
    expect(await sorted('seeded')).toEqual([{ _id: 1, seeded: true }]);
    const without = await serverError(
      db().command({ aggregate: 1, pipeline: [{ $match: {} }], cursor: {} }),
    );
    expect(without.code).toBe(115);
  });
});
