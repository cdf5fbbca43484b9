import { type Document, Long } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverError } from '../helpers/server-error.js';
import { startTestEmulator, type TestEmulator } from '../helpers/start-test-emulator.js';

let env: TestEmulator;
beforeAll(async () => {
  env = await startTestEmulator();
});
afterAll(() => env.stop());

type Doc = Document & { _id: number };
const db = () => env.client.db('aggregate_stages');

describe('$sortByCount', () => {
  it('groups by the expression and sorts by count, descending', async () => {
    const c = db().collection<Doc>('exhibits');
    await c.insertMany([
      { _id: 1, tags: ['painting', 'satire', 'Expressionism', 'caricature'] },
      { _id: 2, tags: ['woodcut', 'Expressionism'] },
      { _id: 3, tags: ['painting', 'abstract'] },
      { _id: 4, tags: ['sculpture', 'abstract'] },
      { _id: 5, tags: ['painting', 'Expressionism'] },
      { _id: 6, tags: ['Expressionism', 'painting', 'sculpture'] },
    ]);
    const counts = await c.aggregate([{ $unwind: '$tags' }, { $sortByCount: '$tags' }]).toArray();
    // Counts never increase down the list; ties come in an unspecified order.
    expect(counts.map((d) => d.count)).toEqual([4, 4, 2, 2, 1, 1, 1]);
    expect(new Set(counts.slice(0, 2).map((d) => d._id))).toEqual(
      new Set(['painting', 'Expressionism']),
    );
    expect(new Set(counts.slice(2, 4).map((d) => d._id))).toEqual(
      new Set(['abstract', 'sculpture']),
    );
    const bySize = await c.aggregate([{ $sortByCount: { $size: '$tags' } }]).toArray();
    expect(bySize[0]).toEqual({ _id: 2, count: 4 });
    expect(bySize.map((d) => d.count)).toEqual([4, 1, 1]);
  });

  it('answers 40147, 40148 and 40149 for malformed arguments', async () => {
    const c = db().collection<Doc>('exhibits');
    for (const [spec, code] of [
      [{ tags: 1 }, 40147],
      [{}, 40147],
      ['tags', 40148],
      [1, 40149],
    ] as const) {
      const error = await serverError(c.aggregate([{ $sortByCount: spec }]).toArray());
      expect([error.code, error.codeName]).toEqual([code, `Location${code}`]);
    }
  });
});

describe('$graphLookup', () => {
  beforeAll(async () => {
    await db()
      .collection<Doc>('employees')
      .insertMany([
        { _id: 1, name: 'Dev' },
        { _id: 2, name: 'Eliot', reportsTo: 'Dev' },
        { _id: 3, name: 'Ron', reportsTo: 'Eliot' },
        { _id: 4, name: 'Andrew', reportsTo: 'Eliot' },
        { _id: 5, name: 'Asya', reportsTo: 'Ron' },
        { _id: 6, name: 'Dan', reportsTo: 'Andrew' },
      ]);
    await db()
      .collection<Doc>('airports')
      .insertMany([
        { _id: 0, airport: 'JFK', connects: ['BOS', 'ORD'] },
        { _id: 1, airport: 'BOS', connects: ['JFK', 'PWM'] },
        { _id: 2, airport: 'ORD', connects: ['JFK'] },
        { _id: 3, airport: 'PWM', connects: ['BOS', 'LHR'] },
        { _id: 4, airport: 'LHR', connects: ['PWM'] },
      ]);
  });

  it('follows connectFromField to connectToField recursively (manual: reporting hierarchy)', async () => {
    const result = await db()
      .collection<Doc>('employees')
      .aggregate([
        {
          $graphLookup: {
            from: 'employees',
            startWith: '$reportsTo',
            connectFromField: 'reportsTo',
            connectToField: 'name',
            as: 'reportingHierarchy',
          },
        },
        { $sort: { _id: 1 } },
      ])
      .toArray();
    const chains = result.map((d) =>
      (d.reportingHierarchy as Document[]).map((e) => e.name).sort(),
    );
    expect(chains).toEqual([
      [],
      ['Dev'],
      ['Dev', 'Eliot'],
      ['Dev', 'Eliot'],
      ['Dev', 'Eliot', 'Ron'],
      ['Andrew', 'Dev', 'Eliot'],
    ]);
    expect(result[1]).toEqual({
      _id: 2,
      name: 'Eliot',
      reportsTo: 'Dev',
      reportingHierarchy: [{ _id: 1, name: 'Dev' }],
    });
  });

  it('stops at maxDepth and records depthField as a long (manual: airports)', async () => {
    await db()
      .collection<Doc>('travelers')
      .insertOne({ _id: 1, name: 'Dev', nearestAirport: 'JFK' });
    const [dev] = await db()
      .collection<Doc>('travelers')
      .aggregate(
        [
          {
            $graphLookup: {
              from: 'airports',
              startWith: '$nearestAirport',
              connectFromField: 'connects',
              connectToField: 'airport',
              maxDepth: 2,
              depthField: 'numConnections',
              as: 'destinations',
            },
          },
        ],
        { promoteLongs: false },
      )
      .toArray();
    const reached = ((dev?.destinations ?? []) as Document[])
      .map((d) => [d.airport, d.numConnections])
      .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    expect(reached).toEqual([
      ['BOS', Long.fromNumber(1)],
      ['JFK', Long.fromNumber(0)],
      ['ORD', Long.fromNumber(1)],
      ['PWM', Long.fromNumber(2)],
    ]);
  });

  it('applies restrictSearchWithMatch and answers MongoDB codes for malformed specs', async () => {
    const employees = db().collection<Doc>('employees');
    const [asya] = await employees
      .aggregate([
        { $match: { _id: 5 } },
        {
          $graphLookup: {
            from: 'employees',
            startWith: '$reportsTo',
            connectFromField: 'reportsTo',
            connectToField: 'name',
            restrictSearchWithMatch: { name: { $ne: 'Eliot' } },
            as: 'chain',
          },
        },
      ])
      .toArray();
    expect(((asya?.chain ?? []) as Document[]).map((e) => e.name)).toEqual(['Ron']);
    const base = {
      from: 'employees',
      startWith: '$reportsTo',
      connectFromField: 'reportsTo',
      connectToField: 'name',
      as: 'chain',
    };
    for (const [spec, code] of [
      [{ ...base, maxDepth: 'x' }, 40100],
      [{ ...base, maxDepth: -1 }, 40101],
      [{ ...base, maxDepth: 1.5 }, 40102],
      [{ ...base, restrictSearchWithMatch: 1 }, 40185],
      [{ ...base, as: 1 }, 40103],
      [{ ...base, unknown: 1 }, 40104],
      [{ from: 'employees', as: 'x' }, 40105],
      [{ ...base, restrictSearchWithMatch: { x: { $nope: 1 } } }, 2],
    ] as const) {
      const error = await serverError(employees.aggregate([{ $graphLookup: spec }]).toArray());
      expect(error.code).toBe(code);
    }
    const notObject = await serverError(employees.aggregate([{ $graphLookup: 1 }]).toArray());
    expect([notObject.code, notObject.codeName]).toEqual([9, 'FailedToParse']);
  });
});

describe('$lookup', () => {
  it('writes a dotted `as` as a nested field', async () => {
    const [eliot] = await db()
      .collection<Doc>('employees')
      .aggregate([
        { $match: { _id: 2 } },
        {
          $lookup: {
            from: 'employees',
            localField: 'reportsTo',
            foreignField: 'name',
            as: 'org.boss',
          },
        },
      ])
      .toArray();
    expect(eliot).toEqual({
      _id: 2,
      name: 'Eliot',
      reportsTo: 'Dev',
      org: { boss: [{ _id: 1, name: 'Dev' }] },
    });
  });
});
