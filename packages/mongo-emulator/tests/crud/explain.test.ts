import type { Collection, Document } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverError } from '../helpers/server-error.js';
import { startTestEmulator, type TestEmulator } from '../helpers/start-test-emulator.js';

let env: TestEmulator;
type Job = Document & { _id: number };
let jobs: Collection<Job>;

beforeAll(async () => {
  env = await startTestEmulator();
  jobs = env.client.db('explain').collection<Job>('jobs');
  await jobs.createIndex({ name: 1, nextRunAt: 1 });
  await jobs.createIndex({ priority: -1 });
  await jobs.insertMany(
    Array.from({ length: 40 }, (_, i) => ({
      _id: i,
      name: i % 2 === 0 ? 'email' : 'report',
      nextRunAt: new Date(Date.UTC(2024, 0, 1) + i * 60_000),
      priority: i % 5,
      tags: i % 10 === 0 ? ['a', 'b'] : [],
    })),
  );
});
afterAll(() => env.stop());

const db = () => env.client.db('explain');

/** The stages of a plan tree from the root down (the first input at each level). */
function stageNames(plan: Document): string[] {
  const names: string[] = [];
  let node: Document | undefined = plan;
  while (node) {
    names.push(node.stage);
    node = node.inputStage ?? node.inputStages?.[0];
  }
  return names;
}

/** The first stage named `name` in a plan tree. */
function findStage(plan: Document, name: string): Document | undefined {
  if (plan.stage === name) return plan;
  for (const child of [plan.inputStage, ...(plan.inputStages ?? [])]) {
    const found = child ? findStage(child, name) : undefined;
    if (found) return found;
  }
  return undefined;
}

describe('explain of find', () => {
  it('reports an index scan with its bounds and what it examined', async () => {
    const due = new Date(Date.UTC(2024, 0, 1) + 10 * 60_000);
    const explained = await jobs
      .find({ name: 'email', nextRunAt: { $lte: due } })
      .sort({ nextRunAt: 1 })
      .limit(2)
      .explain('executionStats');
    expect(Object.keys(explained).slice(0, 6)).toEqual([
      'explainVersion',
      'queryPlanner',
      'executionStats',
      'command',
      'serverInfo',
      'serverParameters',
    ]);
    expect(explained.explainVersion).toBe('1');
    const planner = explained.queryPlanner;
    expect(Object.keys(planner)).toEqual([
      'namespace',
      'indexFilterSet',
      'parsedQuery',
      'queryHash',
      'planCacheKey',
      'maxIndexedOrSolutionsReached',
      'maxIndexedAndSolutionsReached',
      'maxScansToExplodeReached',
      'winningPlan',
      'rejectedPlans',
    ]);
    expect(planner.namespace).toBe('explain.jobs');
    expect(planner.parsedQuery).toEqual({
      $and: [{ name: { $eq: 'email' } }, { nextRunAt: { $lte: due } }],
    });
    expect(stageNames(planner.winningPlan)).toEqual(['LIMIT', 'FETCH', 'IXSCAN']);
    // The bounds already guarantee both predicates: FETCH has nothing left to test.
    expect(planner.winningPlan.inputStage.filter).toBeUndefined();
    expect(planner.winningPlan.inputStage.inputStage).toEqual({
      stage: 'IXSCAN',
      keyPattern: { name: 1, nextRunAt: 1 },
      indexName: 'name_1_nextRunAt_1',
      isMultiKey: false,
      multiKeyPaths: { name: [], nextRunAt: [] },
      isUnique: false,
      isSparse: false,
      isPartial: false,
      indexVersion: 2,
      direction: 'forward',
      indexBounds: {
        name: ['["email", "email"]'],
        nextRunAt: [`[new Date(-9223372036854775808), new Date(${due.getTime()})]`],
      },
    });
    const stats = explained.executionStats;
    expect(Object.keys(stats)).toEqual([
      'executionSuccess',
      'nReturned',
      'executionTimeMillis',
      'totalKeysExamined',
      'totalDocsExamined',
      'executionStages',
    ]);
    expect(stats).toMatchObject({
      executionSuccess: true,
      nReturned: 2,
      totalKeysExamined: 2,
      totalDocsExamined: 2,
    });
    expect(findStage(stats.executionStages, 'IXSCAN')).toMatchObject({ keysExamined: 2 });
    expect(explained.command).toEqual({
      find: 'jobs',
      filter: { name: 'email', nextRunAt: { $lte: due } },
      sort: { nextRunAt: 1 },
      limit: 2,
      $db: 'explain',
    });
    expect(explained.serverInfo).toMatchObject({ version: '7.0.0' });
  });

  it('reports a collection scan with the filter it tested, and an in-memory sort', async () => {
    const explained = await jobs
      .find({ priority: { $gt: 10 }, tags: 'a' })
      .sort({ _id: -1 })
      .skip(1)
      .limit(3)
      .explain('executionStats');
    const plan = explained.queryPlanner.winningPlan;
    expect(stageNames(plan)).toEqual(['SKIP', 'SORT', 'FETCH', 'IXSCAN']);
    expect(plan).toMatchObject({ stage: 'SKIP', skipAmount: 1 });
    expect(plan.inputStage).toMatchObject({
      sortPattern: { _id: -1 },
      memLimit: 104857600,
      limitAmount: 4,
      type: 'simple',
    });
    // `$gt: 10` on a descending field reads from the top of the number bracket down to 10.
    expect(findStage(plan, 'IXSCAN')?.indexBounds).toEqual({ priority: ['[inf.0, 10)'] });
    expect(findStage(plan, 'FETCH')?.filter).toEqual({ tags: { $eq: 'a' } });

    const scan = await jobs.find({ tags: 'a' }).explain('executionStats');
    expect(scan.queryPlanner.winningPlan).toEqual({
      stage: 'COLLSCAN',
      filter: { tags: { $eq: 'a' } },
      direction: 'forward',
    });
    expect(scan.executionStats).toMatchObject({
      nReturned: 4,
      totalKeysExamined: 0,
      totalDocsExamined: 40,
    });
  });

  it('reports IDHACK for an _id lookup, EOF for a missing collection', async () => {
    const byId = await jobs.find({ _id: 7 }).explain('executionStats');
    expect(byId.queryPlanner.winningPlan).toEqual({ stage: 'IDHACK' });
    expect(byId.executionStats).toMatchObject({
      nReturned: 1,
      totalKeysExamined: 1,
      totalDocsExamined: 1,
    });
    const missing = await db().collection('nothing').find({ a: 1 }).explain('queryPlanner');
    expect(missing.queryPlanner.winningPlan).toEqual({ stage: 'EOF' });
    expect(missing.executionStats).toBeUndefined();
  });

  it('reports one interval per $in value, an OR of index scans for a $or, and a hint', async () => {
    const several = await jobs.find({ name: { $in: ['report', 'email', 'email'] } }).explain();
    expect(findStage(several.queryPlanner.winningPlan, 'IXSCAN')?.indexBounds).toEqual({
      name: ['["email", "email"]', '["report", "report"]'],
      nextRunAt: ['[MinKey, MaxKey]'],
    });
    const union = await jobs
      .find({ $or: [{ name: 'email' }, { priority: { $gte: 4 } }] })
      .explain('executionStats');
    const plan = union.queryPlanner.winningPlan;
    expect(stageNames(plan)).toEqual(['FETCH', 'OR', 'IXSCAN']);
    expect(plan.inputStage.inputStages.map((s: Document) => s.indexName)).toEqual([
      'name_1_nextRunAt_1',
      'priority_-1',
    ]);
    // 20 emails and 8 with priority 4, 4 of them emails: 28 keys, 24 documents.
    expect(union.executionStats).toMatchObject({ nReturned: 24, totalKeysExamined: 28 });

    const hinted = await jobs.find({ priority: 1 }).hint({ name: 1, nextRunAt: 1 }).explain();
    expect(findStage(hinted.queryPlanner.winningPlan, 'IXSCAN')).toMatchObject({
      indexName: 'name_1_nextRunAt_1',
      indexBounds: { name: ['[MinKey, MaxKey]'], nextRunAt: ['[MinKey, MaxKey]'] },
    });
    const natural = await jobs.find({}).hint({ $natural: -1 }).explain();
    expect(natural.queryPlanner.winningPlan).toEqual({ stage: 'COLLSCAN', direction: 'backward' });
  });
});

describe('explain of count, distinct, aggregate and writes', () => {
  it('count: a fast count without a query, COUNT above the plan with one', async () => {
    const fast = await db().command({ explain: { count: 'jobs' }, verbosity: 'executionStats' });
    expect(fast.queryPlanner.winningPlan).toEqual({ stage: 'RECORD_STORE_FAST_COUNT' });
    expect(fast.executionStats.executionStages).toMatchObject({ nCounted: 40, nSkipped: 0 });
    const counted = await db().command({
      explain: { count: 'jobs', query: { name: 'report' }, skip: 5 },
      verbosity: 'executionStats',
    });
    expect(stageNames(counted.queryPlanner.winningPlan)).toEqual(['COUNT', 'FETCH', 'IXSCAN']);
    expect(counted.executionStats.executionStages).toMatchObject({ nCounted: 15, nSkipped: 5 });
  });

  it('distinct reads through the index of its query', async () => {
    const explained = await db().command({
      explain: { distinct: 'jobs', key: 'priority', query: { name: 'email' } },
      verbosity: 'queryPlanner',
    });
    expect(stageNames(explained.queryPlanner.winningPlan)).toEqual(['FETCH', 'IXSCAN']);
  });

  it('aggregate: a query-only pipeline as its query, other stages listed after $cursor', async () => {
    const query = await jobs
      .aggregate([{ $match: { name: 'email' } }, { $sort: { nextRunAt: -1 } }, { $limit: 3 }])
      .explain('executionStats');
    expect(stageNames(query.queryPlanner.winningPlan)).toEqual(['LIMIT', 'FETCH', 'IXSCAN']);
    expect(findStage(query.queryPlanner.winningPlan, 'IXSCAN')?.direction).toBe('backward');
    expect(query.executionStats).toMatchObject({ nReturned: 3, totalKeysExamined: 3 });

    const staged = await jobs
      .aggregate([{ $match: { name: 'email' } }, { $project: { priority: 1 } }])
      .explain('executionStats');
    expect(Object.keys(staged).slice(0, 5)).toEqual([
      'explainVersion',
      'stages',
      'serverInfo',
      'serverParameters',
      'command',
    ]);
    expect(staged.stages[0].$cursor.queryPlanner.winningPlan.stage).toBe('FETCH');
    expect(staged.stages[0].nReturned).toBe(20);
    expect(staged.stages[1]).toMatchObject({ $project: { priority: 1 }, nReturned: 20 });

    const grouped = await serverError(
      jobs.aggregate([{ $group: { _id: '$name' } }]).explain('queryPlanner'),
    );
    expect([grouped.code, grouped.codeName]).toEqual([115, 'CommandNotSupported']);
  });

  it('update, delete and findAndModify report what they would do and write nothing', async () => {
    const before = await jobs.find().sort({ _id: 1 }).toArray();
    const update = await db().command({
      explain: {
        update: 'jobs',
        updates: [{ q: { name: 'email' }, u: { $set: { priority: 0 } }, multi: true }],
      },
      verbosity: 'executionStats',
    });
    expect(stageNames(update.queryPlanner.winningPlan)).toEqual(['UPDATE', 'FETCH', 'IXSCAN']);
    expect(update.executionStats.executionStages).toMatchObject({
      nMatched: 20,
      nWouldModify: 16,
      nWouldUpsert: 0,
    });
    const remove = await db().command({
      explain: { delete: 'jobs', deletes: [{ q: { _id: { $in: [1, 2, 99] } }, limit: 0 }] },
      verbosity: 'executionStats',
    });
    expect(stageNames(remove.queryPlanner.winningPlan)).toEqual(['DELETE', 'FETCH', 'IXSCAN']);
    expect(remove.executionStats.executionStages.nWouldDelete).toBe(2);
    const modify = await db().command({
      explain: {
        findAndModify: 'jobs',
        query: { name: 'report' },
        sort: { nextRunAt: 1 },
        update: { $set: { priority: 9 } },
      },
      verbosity: 'executionStats',
    });
    expect(stageNames(modify.queryPlanner.winningPlan)).toEqual(['UPDATE', 'FETCH', 'IXSCAN']);
    expect(modify.executionStats).toMatchObject({ totalKeysExamined: 1, totalDocsExamined: 1 });
    expect(modify.executionStats.executionStages).toMatchObject({ nMatched: 1, nWouldModify: 1 });
    expect(await jobs.find().sort({ _id: 1 }).toArray()).toEqual(before);
  });
});

describe('explain errors', () => {
  it('answers as MongoDB does for what it cannot explain', async () => {
    const cases: Array<[Document, number, string]> = [
      [{ explain: { find: 'jobs' }, verbosity: 'everything' }, 2, 'BadValue'],
      [{ explain: 1 }, 2, 'BadValue'],
      [{ explain: { noSuchCommand: 'jobs' } }, 59, 'CommandNotFound'],
      [{ explain: { insert: 'jobs', documents: [{}] } }, 20, 'IllegalOperation'],
      [{ explain: { mapReduce: 'jobs' } }, 115, 'CommandNotSupported'],
      [
        {
          explain: {
            update: 'jobs',
            updates: [
              { q: {}, u: {} },
              { q: {}, u: {} },
            ],
          },
        },
        16,
        'InvalidLength',
      ],
    ];
    for (const [command, code, codeName] of cases) {
      const error = await serverError(db().command(command));
      expect([error.code, error.codeName], JSON.stringify(command)).toEqual([code, codeName]);
    }
    const unknown = await serverError(db().command({ explain: { noSuchCommand: 'jobs' } }));
    expect(unknown.message).toBe('Explain failed due to unknown command: noSuchCommand');
  });
});
