import { afterEach, describe, expect, it, vi } from 'vitest';
import { LogicalClock } from '../../src/clock.js';
import type { ChangeRecord } from '../../src/storage/change-record.js';
import { StorageEngine } from '../../src/storage/engine.js';
import { normaliseIndexSpec } from '../../src/storage/index-spec.js';

afterEach(() => {
  vi.useRealTimers();
});

function engineWithLog(): { engine: StorageEngine; records: ChangeRecord[] } {
  const engine = new StorageEngine(new LogicalClock());
  const records: ChangeRecord[] = [];
  engine.subscribe((r) => records.push(r));
  return { engine, records };
}

describe('StorageEngine', () => {
  it('emits one change record per committed write, in order, with increasing cluster times', () => {
    const { engine, records } = engineWithLog();
    const { collection } = engine.ensureCollection('db', 'c');
    const stored = collection.insert({ _id: 1, a: 1 });
    collection.replace(stored, { _id: 1, a: 2 }, 'update', true);
    const current = collection.findById(1);
    if (!current) throw new Error('document missing');
    collection.delete(current);
    engine.dropCollection('db', 'c');
    // Creating the collection is a change too (change streams show it with showExpandedEvents).
    expect(records.map((r) => r.operationType)).toEqual([
      'create',
      'insert',
      'update',
      'delete',
      'drop',
    ]);
    expect(records[2]?.updateDescription).toEqual({
      updatedFields: { a: 2 },
      removedFields: [],
      truncatedArrays: [],
      disambiguatedPaths: {},
    });
    // Every record of the collection carries its UUID.
    expect(new Set(records.map((r) => r.collectionUUID?.toString('hex'))).size).toBe(1);
    const times = records.map((r) => r.clusterTime);
    for (let i = 1; i < times.length; i++) {
      const [previous, current] = [times[i - 1], times[i]];
      if (!previous || !current) throw new Error('missing cluster time');
      expect(current.greaterThan(previous)).toBe(true);
    }
  });

  it('gives change listeners and updateLookup their own copies', () => {
    const { engine, records } = engineWithLog();
    engine.ensureCollection('db', 'c').collection.insert({ _id: 1, nested: { a: 1 } });
    const looked = engine.findById('db', 'c', 1);
    expect(looked).toEqual({ _id: 1, nested: { a: 1 } });
    (looked?.nested as { a: number }).a = 99;
    (records[1]?.fullDocument?.nested as { a: number }).a = 98;
    expect(engine.findById('db', 'c', 1)).toEqual({ _id: 1, nested: { a: 1 } });
  });

  it('keeps a failed unique write atomic: nothing changes, nothing is emitted', () => {
    const { engine, records } = engineWithLog();
    const { collection } = engine.ensureCollection('db', 'c');
    collection.addIndex(normaliseIndexSpec({ key: { k: 1 }, name: 'k_1', unique: true }));
    collection.insert({ _id: 1, k: 1 });
    const second = collection.insert({ _id: 2, k: 2 });
    expect(() => collection.replace(second, { _id: 2, k: 1 }, 'update', true)).toThrowError(
      /E11000/,
    );
    expect(collection.findById(2)).toEqual({ _id: 2, k: 2 });
    expect(collection.find({ k: 2 })).toHaveLength(1);
    expect(records.map((r) => r.operationType)).toEqual(['create', 'insert', 'insert']);
  });

  it('reaps expired documents on the TTL monitor interval and records deletes', () => {
    vi.useFakeTimers({ now: new Date('2024-01-01T00:10:00Z') });
    const { engine, records } = engineWithLog();
    const { collection } = engine.ensureCollection('db', 'ttl');
    collection.addIndex(
      normaliseIndexSpec({ key: { at: 1 }, name: 'at_1', expireAfterSeconds: 60 }),
    );
    collection.insert({ _id: 1, at: new Date('2024-01-01T00:00:00Z') });
    collection.insert({ _id: 2, at: new Date('2024-01-01T00:10:00Z') });
    collection.insert({ _id: 3, at: 'not a date' });
    engine.startTtlMonitor(1000);
    vi.advanceTimersByTime(1000);
    expect(collection.all().map((d) => d._id)).toEqual([2, 3]);
    vi.advanceTimersByTime(60_000);
    expect(collection.all().map((d) => d._id)).toEqual([3]);
    expect(records.filter((r) => r.operationType === 'delete').map((r) => r.documentKey)).toEqual([
      { _id: 1 },
      { _id: 2 },
    ]);
    engine.stopTtlMonitor();
  });

  it('drops databases with a drop per collection, then dropDatabase', () => {
    const { engine, records } = engineWithLog();
    engine.ensureCollection('db', 'a');
    engine.ensureCollection('db', 'b');
    engine.dropDatabase('db');
    expect(records.map((r) => [r.operationType, r.coll])).toEqual([
      ['create', 'a'],
      ['create', 'b'],
      ['drop', 'a'],
      ['drop', 'b'],
      ['dropDatabase', undefined],
    ]);
    expect(engine.listDatabases()).toEqual([]);
  });
});
