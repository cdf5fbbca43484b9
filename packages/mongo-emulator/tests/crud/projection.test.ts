import type { Document } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverError } from '../helpers/server-error.js';
import { startTestEmulator, type TestEmulator } from '../helpers/start-test-emulator.js';

let env: TestEmulator;
beforeAll(async () => {
  env = await startTestEmulator();
  await db()
    .collection<Doc>('schools')
    .insertMany([
      {
        _id: 1,
        zipcode: '63109',
        students: [
          { name: 'john', school: 102, age: 10 },
          { name: 'jess', school: 102, age: 11 },
          { name: 'jeff', school: 108, age: 15 },
        ],
      },
      {
        _id: 2,
        zipcode: '63110',
        students: [
          { name: 'ajax', school: 100, age: 7 },
          { name: 'achilles', school: 100, age: 8 },
        ],
      },
      {
        _id: 3,
        zipcode: '63109',
        students: [
          { name: 'ajax', school: 100, age: 7 },
          { name: 'achilles', school: 100, age: 8 },
        ],
      },
      {
        _id: 4,
        zipcode: '63109',
        students: [
          { name: 'barney', school: 102, age: 7 },
          { name: 'ruth', school: 102, age: 16 },
        ],
      },
    ]);
  await db()
    .collection<Doc>('students')
    .insertMany([
      { _id: 1, semester: 1, grades: [70, 87, 90] },
      { _id: 2, semester: 1, grades: [90, 88, 92] },
      { _id: 3, semester: 1, grades: [85, 100, 90] },
      { _id: 4, semester: 2, grades: [79, 85, 80] },
      { _id: 5, semester: 2, grades: [88, 88, 92] },
      { _id: 6, semester: 2, grades: [95, 90, 96] },
      {
        _id: 7,
        semester: 3,
        grades: [
          { grade: 80, mean: 75, std: 8 },
          { grade: 85, mean: 90, std: 5 },
          { grade: 90, mean: 85, std: 3 },
        ],
      },
      {
        _id: 8,
        semester: 3,
        grades: [
          { grade: 92, mean: 88, std: 8 },
          { grade: 78, mean: 90, std: 5 },
          { grade: 88, mean: 85, std: 3 },
        ],
      },
    ]);
});
afterAll(() => env.stop());

type Doc = Document & { _id: number };
const db = () => env.client.db('projection');
const find = (name: string, filter: Document, projection: Document) =>
  db()
    .collection<Doc>(name)
    .find(filter, { projection, sort: { _id: 1 } })
    .toArray();

describe('$elemMatch projection (manual examples)', () => {
  it('returns the first matching element only, or no field', async () => {
    expect(
      await find('schools', { zipcode: '63109' }, { students: { $elemMatch: { school: 102 } } }),
    ).toEqual([
      { _id: 1, students: [{ name: 'john', school: 102, age: 10 }] },
      { _id: 3 },
      { _id: 4, students: [{ name: 'barney', school: 102, age: 7 }] },
    ]);
    expect(
      await find(
        'schools',
        { zipcode: '63109' },
        { students: { $elemMatch: { school: 102, age: { $gt: 10 } } } },
      ),
    ).toEqual([
      { _id: 1, students: [{ name: 'jess', school: 102, age: 11 }] },
      { _id: 3 },
      { _id: 4, students: [{ name: 'ruth', school: 102, age: 16 }] },
    ]);
  });

  it('places the field after the other included fields', async () => {
    const players = db().collection<Doc>('players');
    const joined = new Date('2020-01-01');
    const lastLogin = new Date('2020-05-01');
    await players.insertOne({
      _id: 1,
      name: 'player1',
      games: [
        { game: 'abc', score: 8 },
        { game: 'xyz', score: 5 },
      ],
      joined,
      lastLogin,
    });
    const [player] = await find(
      'players',
      {},
      {
        games: { $elemMatch: { score: { $gt: 5 } } },
        joined: 1,
        lastLogin: 1,
      },
    );
    expect(Object.entries(player as Doc)).toEqual([
      ['_id', 1],
      ['joined', joined],
      ['lastLogin', lastLogin],
      ['games', [{ game: 'abc', score: 8 }]],
    ]);
  });
});

describe('positional projection (manual examples)', () => {
  it('returns the element the query matched', async () => {
    expect(
      await find('students', { semester: 1, grades: { $gte: 85 } }, { 'grades.$': 1 }),
    ).toEqual([
      { _id: 1, grades: [87] },
      { _id: 2, grades: [90] },
      { _id: 3, grades: [85] },
    ]);
    expect(await find('students', { 'grades.mean': { $gt: 70 } }, { 'grades.$': 1 })).toEqual([
      { _id: 7, grades: [{ grade: 80, mean: 75, std: 8 }] },
      { _id: 8, grades: [{ grade: 92, mean: 88, std: 8 }] },
    ]);
    expect(
      await find(
        'students',
        { grades: { $elemMatch: { mean: { $gt: 70 }, grade: { $gt: 90 } } } },
        { 'grades.$': 1 },
      ),
    ).toEqual([{ _id: 8, grades: [{ grade: 92, mean: 88, std: 8 }] }]);
    // With other fields, and through findOneAndUpdate's `projection` (findAndModify `fields`).
    expect(await find('students', { _id: 4, grades: 85 }, { semester: 1, 'grades.$': 1 })).toEqual([
      { _id: 4, semester: 2, grades: [85] },
    ]);
    const updated = await db()
      .collection<Doc>('students')
      .findOneAndUpdate(
        { _id: 5, grades: 92 },
        { $set: { checked: true } },
        { projection: { 'grades.$': 1 }, returnDocument: 'after' },
      );
    expect(updated).toEqual({ _id: 5, grades: [92] });
  });

  it('answers MongoDB errors for positional projections it cannot serve', async () => {
    const cases: Array<[Document, Document, number]> = [
      [{}, { 'grades.$': 1 }, 51246],
      [{ _id: 1 }, { 'grades.$': 1 }, 51246],
      [{ _id: 1 }, { 'grades.$.x': 1 }, 31394],
      [{ _id: 1 }, { 'grades.$': 0 }, 31395],
      [{ _id: 1 }, { 'a.b': { $elemMatch: { x: 1 } } }, 31275],
      [{ _id: 1 }, { '': 1 }, 40352],
      [{ _id: 1 }, { 'a..b': 1 }, 15998],
      [{ _id: 1 }, { $a: 1 }, 16410],
    ];
    for (const [filter, projection, code] of cases) {
      const error = await serverError(find('students', filter, projection));
      expect([error.code, error.codeName], JSON.stringify(projection)).toEqual([
        code,
        `Location${code}`,
      ]);
    }
  });
});

describe('nested projections', () => {
  it('read {a: {b: 1}} as {"a.b": 1}, for inclusion and exclusion', async () => {
    const accounts = db().collection<Doc>('accounts');
    await accounts.insertOne({ _id: 1, owner: 'x', account: { amount: 5, currency: 'EUR' } });
    expect(await find('accounts', {}, { account: { amount: 1 } })).toEqual([
      { _id: 1, account: { amount: 5 } },
    ]);
    expect(await find('accounts', {}, { account: { amount: 0 }, _id: 0 })).toEqual([
      { owner: 'x', account: { currency: 'EUR' } },
    ]);
    const empty = await serverError(find('accounts', {}, { account: {} }));
    expect([empty.code, empty.codeName]).toEqual([51270, 'Location51270']);
  });
});
