import { EJSON } from 'bson';
import { type Collection, type Document, MongoServerError } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverError } from '../helpers/server-error.js';
import { startTestEmulator, type TestEmulator } from '../helpers/start-test-emulator.js';

/**
 * MongoDB gives no field name a special meaning besides a leading `$` and `.` as a path separator
 * (the manual's "Field Names" rules): `__proto__`, `constructor`, `prototype` and the other names
 * of JavaScript's `Object.prototype` are ordinary data. Each scenario below runs once with such a
 * name and once with an ordinary one; the two results must be the same up to the name, and
 * nothing may ever reach `Object.prototype`.
 */
const NAMES = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'] as const;
const CONTROL = 'plainField';

let env: TestEmulator;
let prototypeBefore: string;

/** Every own property of `Object.prototype`, with its descriptor, as text. */
function describePrototype(): string {
  return Object.getOwnPropertyNames(Object.prototype)
    .sort()
    .map((name) => {
      const descriptor = Object.getOwnPropertyDescriptor(Object.prototype, name);
      return `${name}:${typeof descriptor?.value}:${String(descriptor?.get)}:${String(descriptor?.set)}`;
    })
    .join('\n');
}

beforeAll(async () => {
  prototypeBefore = describePrototype();
  env = await startTestEmulator();
});
afterAll(() => env.stop());

type Doc = Document & { _id: number };

/** Collections made per name: a scenario makes the same ones, in the same order, for each name. */
const made = new Map<string, number>();
function collectionName(name: string): string {
  const count = (made.get(name) ?? 0) + 1;
  made.set(name, count);
  return `c${count}_${name}`;
}
function fresh(name: string): Collection<Doc> {
  return env.client.db('fieldnames').collection<Doc>(collectionName(name));
}

/** A result as canonical Extended JSON text with `name` written as the control name. */
function normalise(value: unknown, name: string): string {
  return EJSON.stringify(value, { relaxed: false }).split(name).join(CONTROL);
}

/** What an operation answered: its result, or its error's code, codeName and message. */
async function outcome(run: () => Promise<unknown>): Promise<unknown> {
  try {
    return { result: await run() };
  } catch (error) {
    if (!(error instanceof MongoServerError)) throw error;
    return { code: error.code, codeName: error.codeName, errmsg: error.message };
  }
}

type Scenario = (name: string) => Promise<Record<string, unknown>>;

const scenarios: Record<string, Scenario> = {
  async 'insert, find, count and distinct'(n) {
    const c = fresh(n);
    await c.insertMany([
      { _id: 1, [n]: { x: 1, y: [1, 2] }, a: 1 },
      { _id: 2, d: { [n]: 5 }, a: 2 },
      { _id: 3, a: 3, [n]: null },
      { _id: 4, a: 4 },
    ]);
    const ids = async (filter: Document) =>
      (await c.find(filter, { sort: { _id: 1 } }).toArray()).map((doc) => doc._id);
    return {
      all: await c.find({}, { sort: { _id: 1 } }).toArray(),
      equal: await ids({ [n]: { x: 1, y: [1, 2] } }),
      dotted: await ids({ [`${n}.x`]: 1 }),
      nested: await ids({ [`d.${n}`]: { $gt: 4 } }),
      embedded: await ids({ d: { [n]: 5 } }),
      exists: await ids({ [n]: { $exists: true } }),
      missing: await ids({ [n]: { $exists: false } }),
      nullOrMissing: await ids({ [n]: null }),
      element: await ids({ [`${n}.y`]: 2 }),
      elemMatch: await ids({ [`${n}.y`]: { $elemMatch: { $gt: 1 } } }),
      type: await ids({ [n]: { $type: 'object' } }),
      through: await ids({ [`${n}.${n}`]: { $exists: true } }),
      or: await ids({ $or: [{ [`${n}.x`]: 1 }, { a: 4 }] }),
      expr: await ids({ $expr: { $eq: [`$${n}.x`, 1] } }),
      count: await c.countDocuments({ [n]: { $ne: null } }),
      distinct: await c.distinct(`${n}.y`),
      distinctNested: await c.distinct(`d.${n}`),
    };
  },

  async 'update operators on the name and paths through it'(n) {
    const c = fresh(n);
    await c.insertOne({ _id: 1, a: 1, s: {} });
    const steps: Document[] = [
      { $set: { [`${n}.x`]: 2 } },
      { $inc: { [`${n}.n`]: 1 } },
      { $mul: { [`${n}.n`]: 3 } },
      { $min: { [`${n}.m`]: 5 } },
      { $max: { [`${n}.m`]: 9 } },
      { $push: { [`${n}.list`]: { $each: [3, 1, 2], $sort: 1 } } },
      { $addToSet: { [`${n}.list`]: 4 } },
      { $pull: { [`${n}.list`]: 1 } },
      { $pop: { [`${n}.list`]: 1 } },
      { $set: { [`s.${n}`]: { deep: true } } },
      { $unset: { [`s.${n}.deep`]: '' } },
      { $rename: { a: `s.${n}.moved` } },
      { $rename: { [n]: 'renamed' } },
      { $set: { [n]: 7 } },
      { $set: { [`${n}.q`]: 1 } },
      { $unset: { [n]: '' } },
    ];
    const after: unknown[] = [];
    for (const update of steps) {
      after.push(await outcome(() => c.updateOne({ _id: 1 }, update)));
      after.push(await c.findOne({ _id: 1 }));
    }
    after.push(await outcome(() => c.replaceOne({ _id: 1 }, { [n]: { r: 1 } })));
    after.push(await c.findOne({ _id: 1 }));
    after.push(
      await outcome(() =>
        c.updateOne(
          { _id: 2, [n]: 4, [`k.${n}`]: 5 },
          { $setOnInsert: { [`o.${n}`]: 1 } },
          { upsert: true },
        ),
      ),
    );
    after.push(await c.findOne({ _id: 2 }));
    after.push(await outcome(() => c.updateOne({ _id: 2 }, [{ $set: { [n]: { $add: [1, 2] } } }])));
    after.push(await outcome(() => c.updateOne({ _id: 2 }, [{ $set: { copy: `$${n}` } }])));
    after.push(await outcome(() => c.updateOne({ _id: 2 }, [{ $unset: [n] }])));
    after.push(await c.findOne({ _id: 2 }));
    await c.insertOne({ _id: 3, [n]: { y: [1, 2, 3] } });
    after.push(await outcome(() => c.updateOne({ [`${n}.y`]: 2 }, { $set: { [`${n}.y.$`]: 20 } })));
    after.push(await c.findOne({ _id: 3 }));
    return { after };
  },

  async 'findAndModify with query, sort, update and fields'(n) {
    const c = fresh(n);
    await c.insertMany([
      { _id: 1, [n]: { x: 1, rank: 2 } },
      { _id: 2, [n]: { x: 1, rank: 1 } },
    ]);
    const updated = await c.findOneAndUpdate(
      { [`${n}.x`]: 1 },
      { $set: { [`${n}.w`]: 1 } },
      { sort: { [`${n}.rank`]: 1 }, returnDocument: 'after', projection: { [`${n}.w`]: 1 } },
    );
    const removed = await c.findOneAndDelete({ [n]: { $exists: true } }, { sort: { _id: -1 } });
    return { updated, removed, left: await c.find().toArray() };
  },

  async projections(n) {
    const c = fresh(n);
    await c.insertMany([
      { _id: 1, [n]: { x: 1, y: [1, 2, 3] }, d: { [n]: 5, z: 1 }, a: 1 },
      { _id: 2, a: 2 },
    ]);
    const project = (projection: Document) =>
      outcome(() => c.find({}, { projection, sort: { _id: 1 } }).toArray());
    return {
      include: await project({ [n]: 1 }),
      includeDotted: await project({ [`${n}.x`]: 1 }),
      exclude: await project({ [n]: 0 }),
      excludeNested: await project({ [`d.${n}`]: 0 }),
      slice: await project({ [`${n}.y`]: { $slice: 2 } }),
      nested: await project({ _id: 0, [`d.${n}`]: 1 }),
    };
  },

  async sorts(n) {
    const c = fresh(n);
    await c.insertMany([
      { _id: 1, [n]: 3, d: { [n]: 'b' } },
      { _id: 2, [n]: 1, d: { [n]: 'c' } },
      { _id: 3, [n]: 2, d: { [n]: 'a' } },
    ]);
    const order = async (sort: Document) =>
      (await c.find({}, { sort }).toArray()).map((doc) => doc._id);
    return { ascending: await order({ [n]: 1 }), nested: await order({ [`d.${n}`]: -1 }) };
  },

  async indexes(n) {
    const c = fresh(n);
    await c.createIndex({ [n]: 1 }, { unique: true });
    await c.createIndex({ [`d.${n}`]: 1, a: -1 });
    await c.insertMany([
      { _id: 1, [n]: 1, d: { [n]: 2 }, a: 1 },
      { _id: 2, [n]: 2, d: { [n]: 2 }, a: 2 },
    ]);
    const duplicate = await outcome(() => c.insertOne({ _id: 3, [n]: 1 }));
    return {
      indexes: await c.listIndexes().toArray(),
      duplicate,
      hinted: await c.find({ [n]: { $gte: 1 } }, { hint: { [n]: 1 } }).toArray(),
      sorted: await c
        .find({ [`d.${n}`]: 2 })
        .sort({ a: -1 })
        .toArray(),
    };
  },

  async aggregation(n) {
    const c = fresh(n);
    const other = fresh(n);
    await c.insertMany([
      { _id: 1, [n]: { x: 1, y: [1, 2] }, a: 1 },
      { _id: 2, [n]: { x: 2, y: [3] }, a: 2 },
      { _id: 3, a: 3 },
    ]);
    await other.insertMany([
      { _id: 10, [n]: 1 },
      { _id: 11, [n]: 2 },
    ]);
    const run = (pipeline: Document[]) => outcome(() => c.aggregate(pipeline).toArray());
    return {
      match: await run([{ $match: { [`${n}.x`]: 1 } }]),
      project: await run([{ $project: { [n]: 1 } }]),
      projectPath: await run([{ $project: { v: `$${n}.x` } }]),
      projectExclude: await run([{ $project: { [`${n}.y`]: 0 } }]),
      addFields: await run([{ $addFields: { [n]: 5 } }]),
      setPath: await run([{ $set: { [`${n}.k`]: '$a' } }]),
      unset: await run([{ $unset: n }]),
      group: await run([
        { $group: { _id: `$${n}.x`, count: { $sum: 1 }, all: { $push: `$${n}` } } },
        { $sort: { _id: 1 } },
      ]),
      groupField: await run([{ $group: { _id: null, [n]: { $sum: '$a' } } }]),
      sort: await run([{ $sort: { [`${n}.x`]: -1, _id: 1 } }]),
      unwind: await run([{ $unwind: `$${n}.y` }]),
      replaceRoot: await run([{ $replaceRoot: { newRoot: { $ifNull: [`$${n}`, {}] } } }]),
      count: await run([{ $count: n }]),
      // The Node driver returns arrays held directly under such names as raw bytes (its BSON
      // reader looks the name up in an options object), so the facet's array is read through a field.
      facet: await run([
        { $facet: { [n]: [{ $count: 'c' }] } },
        { $project: { first: { $arrayElemAt: [`$${n}`, 0] } } },
      ]),
      lookup: await run([
        {
          $lookup: {
            from: other.collectionName,
            localField: `${n}.x`,
            foreignField: n,
            as: n,
          },
        },
        { $project: { joined: `$${n}` } },
      ]),
      lookupPipeline: await run([
        { $lookup: { from: other.collectionName, pipeline: [{ $project: { [n]: 1 } }], as: 'j' } },
      ]),
      literal: await run([{ $project: { l: { $literal: { [n]: '$a' } } } }]),
      expression: await run([{ $project: { m: { $mergeObjects: [`$${n}`, { [n]: 1 }] } } }]),
    };
  },

  async 'change events'(n) {
    const c = fresh(n);
    await c.insertOne({ _id: 1, [n]: { x: 1 } });
    const stream = c.watch([], { maxAwaitTimeMS: 50 });
    await stream.tryNext();
    await c.updateOne({ _id: 1 }, { $set: { [`${n}.x`]: 2, [`s.${n}`]: 1 } });
    await c.updateOne({ _id: 1 }, { $unset: { [n]: '' } });
    const describe = (event: Document) => [event.operationType, event.updateDescription];
    const first = describe(await stream.next());
    const second = describe(await stream.next());
    await stream.close();
    return { first, second };
  },

  async 'document validation'(n) {
    const db = env.client.db('fieldnames');
    const name = collectionName(n);
    await db.createCollection(name, { validator: { [`${n}.x`]: { $gte: 1 } } });
    const c = db.collection<Doc>(name);
    return {
      accepted: await outcome(() => c.insertOne({ _id: 1, [n]: { x: 1 } })),
      refused: await outcome(() => c.insertOne({ _id: 2, [n]: { x: 0 } })),
      options: ((await db.listCollections({ name }).toArray())[0] as Document | undefined)?.options,
    };
  },
};

describe('field names that JavaScript objects inherit are ordinary data', () => {
  for (const [title, scenario] of Object.entries(scenarios)) {
    it(`${title}: behave as any other name`, async () => {
      const expected = normalise(await scenario(CONTROL), CONTROL);
      for (const name of NAMES) {
        expect(normalise(await scenario(name), name), name).toBe(expected);
      }
    });
  }

  it('stores own __proto__, constructor and prototype keys as fields', async () => {
    const c = fresh('own');
    const doc = {
      _id: 1,
      ['__proto__']: { polluted: 1 },
      constructor: { name: 'Date' },
      prototype: 2,
    };
    await c.insertOne(doc);
    await c.updateOne({ _id: 1 }, { $set: { '__proto__.more': 1, 'constructor.prototype': 3 } });
    const stored = await c.findOne({ _id: 1 });
    expect(Object.keys(stored ?? {})).toEqual(['_id', '__proto__', 'constructor', 'prototype']);
    expect(Object.getOwnPropertyDescriptor(stored, '__proto__')?.value).toEqual({
      polluted: 1,
      more: 1,
    });
    expect(stored?.constructor).toEqual({ name: 'Date', prototype: 3 });
  });

  it('answers 115 where an expression turns these names into values', async () => {
    const c = fresh('names-as-values');
    await c.insertOne({ _id: 1, constructor: 1 });
    for (const pipeline of [
      [{ $project: { o: { $objectToArray: '$$ROOT' } } }],
      [{ $project: { o: { $arrayToObject: [[{ k: 'constructor', v: 1 }]] } } }],
    ]) {
      const error = await serverError(c.aggregate(pipeline).toArray());
      expect([error.code, error.codeName]).toEqual([115, 'CommandNotSupported']);
    }
    const plain = fresh('plain-names-as-values');
    await plain.insertOne({ _id: 1, a: 1 });
    expect(
      await plain.aggregate([{ $project: { _id: 0, o: { $objectToArray: '$$ROOT' } } }]).toArray(),
    ).toEqual([
      {
        o: [
          { k: '_id', v: 1 },
          { k: 'a', v: 1 },
        ],
      },
    ]);
  });

  it('$type does not take inherited names for type aliases', async () => {
    const c = fresh('type-alias');
    await c.insertOne({ _id: 1, a: 1 });
    for (const name of NAMES) {
      const error = await serverError(c.find({ a: { $type: name } }).toArray());
      expect([error.code, error.message], name).toEqual([2, `Unknown type name alias: ${name}`]);
    }
  });

  it('getParameter does not read inherited names', async () => {
    const admin = env.client.db('admin');
    for (const name of NAMES) {
      const error = await serverError(admin.command({ getParameter: 1, [name]: 1 }));
      expect(error.code, name).toBe(115);
    }
  });

  it('leaves Object.prototype untouched', () => {
    expect(describePrototype()).toBe(prototypeBefore);
    const probe: Record<string, unknown> = {};
    for (const key of ['x', 'n', 'polluted', 'more', 'q', 'deep', 'moved', 'k', 'w', 'r']) {
      expect(probe[key], key).toBeUndefined();
    }
  });
});
