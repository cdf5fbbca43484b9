import type { Document } from 'bson';
import { describe, expect, it } from 'vitest';
import { Collection } from '../../src/storage/collection.js';
import { planQuery } from '../../src/storage/planner.js';

function collection(indexes: Document[], docs: Document[] = []): Collection {
  const c = new Collection('db', 'jobs', {}, () => {});
  for (const spec of indexes) c.addIndex({ v: 2, ...spec });
  for (const doc of docs) c.insert(doc);
  return c;
}

const CLAIM_INDEX = { key: { name: 1, status: 1, nextRunAt: 1, _id: 1 }, name: 'claim' };
const TAKEOVER_INDEX = { key: { status: 1, lastHeartbeat: 1 }, name: 'takeover' };

describe('planQuery', () => {
  it('reads the claim index in sort order for the scheduler claim', () => {
    const c = collection([CLAIM_INDEX, TAKEOVER_INDEX]);
    const plan = planQuery(
      { name: 'email', status: 'pending', nextRunAt: { $lte: new Date() } },
      [
        ['nextRunAt', 1],
        ['_id', 1],
      ],
      true,
      c.indexes,
    );
    expect(plan).toMatchObject({ kind: 'index', ordered: true, reverse: false });
    expect(plan?.kind === 'index' && plan.index.name).toBe('claim');
    expect(plan?.kind === 'index' && plan.scans).toHaveLength(1);
  });

  it('reads backwards for the reverse sort, and merges nothing for $in prefixes', () => {
    const c = collection([CLAIM_INDEX]);
    const reverse = planQuery(
      { name: 'a', status: 'pending' },
      [
        ['nextRunAt', -1],
        ['_id', -1],
      ],
      true,
      c.indexes,
    );
    expect(reverse).toMatchObject({ kind: 'index', ordered: true, reverse: true });
    const several = planQuery(
      { name: { $in: ['a', 'b'] }, status: 'pending' },
      [['nextRunAt', 1]],
      true,
      c.indexes,
    );
    expect(several).toMatchObject({ kind: 'index', ordered: false });
    expect(several?.kind === 'index' && several.scans).toHaveLength(2);
  });

  it('uses hash lookups for _id equality and $in', () => {
    const c = collection([CLAIM_INDEX]);
    expect(
      planQuery({ _id: { $in: [1, 2] }, status: 'pending' }, undefined, false, c.indexes),
    ).toEqual({ kind: 'ids', ids: [1, 2] });
  });

  it('picks the takeover index for a status + heartbeat range', () => {
    const c = collection([CLAIM_INDEX, TAKEOVER_INDEX]);
    const plan = planQuery(
      { status: 'processing', lastHeartbeat: { $lt: new Date() } },
      undefined,
      false,
      c.indexes,
    );
    expect(plan?.kind === 'index' && plan.index.name).toBe('takeover');
  });

  it('does not give sort order from a multikey index', () => {
    const c = collection([{ key: { tags: 1 }, name: 'tags' }], [{ _id: 1, tags: [3, 1] }]);
    expect(planQuery({}, [['tags', 1]], true, c.indexes)).toBeUndefined();
    expect(planQuery({ tags: 1 }, [['tags', 1]], true, c.indexes)).toMatchObject({
      kind: 'index',
      ordered: false,
    });
  });

  it('uses sparse and partial indexes only when the query implies membership', () => {
    const c = collection([
      { key: { token: 1 }, name: 'sparse', sparse: true },
      { key: { owner: 1 }, name: 'partial', partialFilterExpression: { status: 'processing' } },
    ]);
    expect(planQuery({}, [['token', 1]], true, c.indexes)).toBeUndefined();
    expect(planQuery({ token: null }, undefined, false, c.indexes)).toBeUndefined();
    expect(planQuery({ token: 'x' }, undefined, false, c.indexes)).toMatchObject({ kind: 'index' });
    expect(planQuery({ owner: 'w' }, undefined, false, c.indexes)).toBeUndefined();
    expect(
      planQuery({ owner: 'w', status: 'processing' }, undefined, false, c.indexes),
    ).toMatchObject({ kind: 'index' });
    expect(
      planQuery({ owner: 'w', status: { $in: ['processing', 'x'] } }, undefined, false, c.indexes),
    ).toBeUndefined();
  });
});
