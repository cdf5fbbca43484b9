import type { Document } from 'bson';
import { describe, expect, it } from 'vitest';
import { Collection, type PendingChange, type PlannedWrite } from '../../src/storage/collection.js';

function filled(): Collection {
  const collection = new Collection('test', 'c', {}, () => undefined);
  collection.addIndex({ v: 2, key: { key: 1 }, name: 'key_1', unique: true });
  collection.addIndex({ v: 2, key: { n: -1 }, name: 'n_-1' });
  for (const [index, key] of ['a', 'b', 'c'].entries()) {
    collection.insert({ _id: index + 1, key, n: index });
  }
  return collection;
}

describe('Collection.copy (a transaction snapshot)', () => {
  it('has the same documents in natural order, and the same indexes, all of them working', () => {
    const original = filled();
    const copy = original.copy(() => undefined);
    expect(copy.all()).toEqual(original.all());
    expect(copy.indexes.map((index) => index.name)).toEqual(['_id_', 'key_1', 'n_-1']);
    expect(copy.find({ n: { $gte: 1 } }, { sort: [['n', -1]] })).toEqual([
      { _id: 3, key: 'c', n: 2 },
      { _id: 2, key: 'b', n: 1 },
    ]);
    // Unique indexes, `_id_` included, know the copied documents.
    expect(() => copy.insert({ _id: 1 })).toThrow(/E11000 duplicate key error .* _id_/);
    expect(() => copy.insert({ _id: 9, key: 'a' })).toThrow(/E11000 duplicate key error .* key_1/);
  });

  it('keeps its writes to itself and reports them to its own sink and guard', () => {
    const original = filled();
    const changes: PendingChange[] = [];
    const planned: PlannedWrite['kind'][] = [];
    const copy = original.copy(
      (change) => changes.push(change),
      (_collection, write) => planned.push(write.kind),
    );
    copy.insert({ _id: 4, key: 'd', n: 3 });
    const [first] = copy.find({ _id: 1 });
    copy.replace(first as Document, { _id: 1, key: 'z', n: 0 }, 'update', true);
    copy.delete(copy.findById(2) as Document);
    copy.addIndex({ v: 2, key: { other: 1 }, name: 'other_1' });

    expect(planned).toEqual(['insert', 'update', 'delete', 'catalog']);
    expect(changes.map((change) => change.operationType)).toEqual(['insert', 'update', 'delete']);
    expect(original.all()).toEqual([
      { _id: 1, key: 'a', n: 0 },
      { _id: 2, key: 'b', n: 1 },
      { _id: 3, key: 'c', n: 2 },
    ]);
    expect(original.indexes).toHaveLength(3);
    expect(copy.all().map((doc) => doc._id)).toEqual([1, 3, 4]);
    // The original still accepts the key the copy took.
    expect(() => original.insert({ _id: 5, key: 'z' })).not.toThrow();
  });

  it('a guard that throws refuses the write: nothing changes', () => {
    const original = filled();
    const copy = original.copy(
      () => undefined,
      () => {
        throw new Error('refused');
      },
    );
    expect(() => copy.insert({ _id: 4 })).toThrow('refused');
    expect(() => copy.delete(copy.findById(1) as Document)).toThrow('refused');
    expect(() => copy.addIndex({ v: 2, key: { x: 1 }, name: 'x_1' })).toThrow('refused');
    expect(copy.all()).toEqual(original.all());
    expect(copy.indexes).toHaveLength(3);
  });
});
