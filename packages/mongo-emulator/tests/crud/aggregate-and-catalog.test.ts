import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverError } from '../helpers/server-error.js';
import { startTestEmulator, type TestEmulator } from '../helpers/start-test-emulator.js';

let env: TestEmulator;
beforeAll(async () => {
  env = await startTestEmulator();
  await env.client
    .db('agg')
    .collection('orders')
    .insertMany([
      { _id: 1 as never, cust: 'a', amount: 10, items: ['x', 'y'] },
      { _id: 2 as never, cust: 'b', amount: 5, items: ['x'] },
      { _id: 3 as never, cust: 'a', amount: 7, items: [] },
    ]);
  await env.client
    .db('agg')
    .collection('customers')
    .insertMany([
      { _id: 'a' as never, name: 'Ann' },
      { _id: 'b' as never, name: 'Bob' },
    ]);
});
afterAll(() => env.stop());

describe('aggregate', () => {
  const orders = () => env.client.db('agg').collection('orders');

  it('runs $match, $group, $sort, $project', async () => {
    const result = await orders()
      .aggregate([
        { $match: { amount: { $gte: 5 } } },
        { $group: { _id: '$cust', total: { $sum: '$amount' }, n: { $sum: 1 } } },
        { $sort: { total: -1 } },
        { $project: { _id: 0, cust: '$_id', total: 1, n: 1 } },
      ])
      .toArray();
    expect(result).toEqual([
      { total: 17, n: 2, cust: 'a' },
      { total: 5, n: 1, cust: 'b' },
    ]);
  });

  it('supports the countDocuments form with $skip and $limit', async () => {
    expect(await orders().countDocuments({ cust: 'a' }, { skip: 1, limit: 5 })).toBe(1);
  });

  it('runs $unwind, $lookup, $facet, $count, $addFields, $unset', async () => {
    const unwound = await orders()
      .aggregate([{ $unwind: '$items' }, { $count: 'n' }])
      .toArray();
    expect(unwound).toEqual([{ n: 3 }]);
    const joined = await orders()
      .aggregate([
        { $match: { _id: 2 } },
        { $lookup: { from: 'customers', localField: 'cust', foreignField: '_id', as: 'c' } },
        { $addFields: { double: { $multiply: ['$amount', 2] } } },
        { $unset: ['items'] },
      ])
      .toArray();
    expect(joined).toEqual([
      { _id: 2, cust: 'b', amount: 5, c: [{ _id: 'b', name: 'Bob' }], double: 10 },
    ]);
    const faceted = await orders()
      .aggregate([
        {
          $facet: {
            big: [{ $match: { amount: { $gt: 6 } } }, { $count: 'n' }],
            all: [{ $count: 'n' }],
          },
        },
      ])
      .toArray();
    expect(faceted).toEqual([{ big: [{ n: 2 }], all: [{ n: 3 }] }]);
  });

  it('answers not-supported for stages it lacks; explain: true explains', async () => {
    const sample = await serverError(
      orders()
        .aggregate([{ $sample: { size: 1 } }])
        .toArray(),
    );
    expect(sample.code).toBe(115);
    expect(sample.message).toBe('aggregation stage $sample is not supported by mongo-emulator');
    const explain = await env.client
      .db('agg')
      .command({ aggregate: 'orders', pipeline: [], explain: true });
    expect(explain.queryPlanner.winningPlan).toEqual({ stage: 'COLLSCAN', direction: 'forward' });
    expect(explain.executionStats).toBeUndefined();
  });

  it('answers not-supported for a non-simple collation', async () => {
    const error = await serverError(
      orders()
        .find({}, { collation: { locale: 'fr' } })
        .toArray(),
    );
    expect(error.code).toBe(115);
    expect(error.message).toBe(
      "collation other than {locale: 'simple'} is not supported by mongo-emulator",
    );
  });
});

describe('collections and databases', () => {
  it('creates, lists, drops collections and databases', async () => {
    const db = env.client.db('cat');
    await db.createCollection('one');
    const again = await db.command({ create: 'one' });
    expect(again.ok).toBe(1);
    await db.collection('two').insertOne({ a: 1 });
    const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
    expect(names.sort()).toEqual(['one', 'two']);
    const filtered = await db.listCollections({ name: 'two' }).toArray();
    expect(filtered).toHaveLength(1);
    expect(filtered[0]).toMatchObject({
      name: 'two',
      type: 'collection',
      options: {},
      info: { readOnly: false },
    });
    const dbs = await env.client.db('admin').admin().listDatabases();
    expect(dbs.databases.map((d) => d.name)).toContain('cat');
    expect(await db.collection('one').drop()).toBe(true);
    expect(await db.collection('never').drop()).toBe(true);
    expect(await db.dropDatabase()).toBe(true);
    expect(
      (await env.client.db('admin').admin().listDatabases()).databases.map((d) => d.name),
    ).not.toContain('cat');
  });
});
