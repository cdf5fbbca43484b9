import type { Document } from 'bson';
import { describe, expect, it } from 'vitest';
import type { SortField } from '../../src/query/sort.js';
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

  describe('a top-level $or (Agenda lock query)', () => {
    const AGENDA_INDEX = {
      key: { name: 1, nextRunAt: 1, priority: -1, lockedAt: 1, disabled: 1 },
      name: 'findAndLockNextJobIndex',
    };
    const NOW = new Date(Date.UTC(2024, 0, 1, 12));
    const STALE = new Date(NOW.getTime() - 600_000);
    const lockQuery = (extra: Document = { name: 'email' }): Document => ({
      ...extra,
      disabled: { $ne: true },
      $or: [{ lockedAt: { $eq: null }, nextRunAt: { $lte: NOW } }, { lockedAt: { $lte: STALE } }],
    });
    const SORT: SortField[] = [
      ['nextRunAt', 1],
      ['priority', -1],
    ];
    /** Jobs of two names, due or not, unlocked (missing or null), stale or freshly locked. */
    function agendaJobs(): Document[] {
      const docs: Document[] = [];
      for (let i = 0; i < 64; i++) {
        const doc: Document = {
          _id: i,
          name: i % 2 === 0 ? 'email' : 'report',
          nextRunAt: new Date(NOW.getTime() + ((i % 7) - 3) * 60_000),
          priority: (i * 5) % 3,
        };
        if (i % 4 === 1) doc.lockedAt = null;
        if (i % 4 === 2) doc.lockedAt = new Date(STALE.getTime() - 1000);
        if (i % 4 === 3) doc.lockedAt = new Date(NOW.getTime() - 1000);
        if (i % 9 === 0) doc.disabled = true;
        if (i % 11 === 0) delete doc.nextRunAt;
        docs.push(doc);
      }
      return docs;
    }
    const ids = (docs: Document[]) => docs.map((d) => d._id);

    it('reads the name range of the Agenda index in sort order (better than any union)', () => {
      const c = collection([AGENDA_INDEX]);
      const plan = planQuery(lockQuery(), SORT, true, c.indexes);
      expect(plan).toMatchObject({ kind: 'index', ordered: true, reverse: false });
      expect(plan?.kind === 'index' && plan.index.name).toBe('findAndLockNextJobIndex');
      expect(plan?.kind === 'index' && plan.scans).toEqual([{ prefix: ['email'] }]);
    });

    it('unions one plan per branch when every branch narrows more than the outer conjuncts', () => {
      const c = collection([AGENDA_INDEX, { key: { name: 1, lockedAt: 1 }, name: 'lock' }]);
      const plan = planQuery(lockQuery(), SORT, true, c.indexes);
      expect(plan?.kind).toBe('union');
      if (plan?.kind !== 'union') return;
      expect(plan.plans).toHaveLength(2);
      // The null equality is no bound: the first branch reads name + the nextRunAt range.
      expect(plan.plans[0]).toMatchObject({
        kind: 'index',
        scans: [{ prefix: ['email'], upper: { value: NOW, inclusive: true } }],
      });
      expect(plan.plans[0]?.kind === 'index' && plan.plans[0].index.name).toBe(
        'findAndLockNextJobIndex',
      );
      expect(plan.plans[1]).toMatchObject({
        kind: 'index',
        scans: [{ prefix: ['email'], upper: { value: STALE, inclusive: true } }],
      });
      expect(plan.plans[1]?.kind === 'index' && plan.plans[1].index.name).toBe('lock');
    });

    it('unions branches without outer narrowing, and scans when one branch is unindexable', () => {
      const c = collection([
        { key: { nextRunAt: 1 }, name: 'next' },
        { key: { lockedAt: 1 }, name: 'lock' },
      ]);
      const noName = lockQuery({});
      expect(planQuery(noName, SORT, true, c.indexes)).toMatchObject({
        kind: 'union',
        plans: [{ kind: 'index' }, { kind: 'index' }],
      });
      const nullOnly = { $or: [{ lockedAt: { $eq: null } }, { lockedAt: { $lte: STALE } }] };
      expect(planQuery(nullOnly, SORT, true, c.indexes)).toBeUndefined();
      const idUnion = { $or: [{ _id: 3 }, { _id: { $in: [4, 5] } }] };
      expect(planQuery(idUnion, undefined, false, c.indexes)).toEqual({
        kind: 'union',
        plans: [
          { kind: 'ids', ids: [3] },
          { kind: 'ids', ids: [4, 5] },
        ],
      });
    });

    it('finds exactly what a scan finds, null and missing lockedAt included', () => {
      const plain = collection([], agendaJobs());
      const indexed = collection(
        [
          AGENDA_INDEX,
          { key: { name: 1, lockedAt: 1 }, name: 'lock' },
          { key: { nextRunAt: 1 }, name: 'next' },
          { key: { lockedAt: 1 }, name: 'lockedAt' },
        ],
        agendaJobs(),
      );
      for (const filter of [
        lockQuery(),
        lockQuery({ name: 'report' }),
        lockQuery({}),
        { $or: [{ lockedAt: null }, { nextRunAt: { $gt: NOW } }] },
        { name: 'email', $or: [{ lockedAt: { $exists: false } }, { lockedAt: null }] },
      ]) {
        for (const limit of [undefined, 1]) {
          const expected = plain.find(filter, { sort: SORT, limit });
          const actual = indexed.find(filter, { sort: SORT, limit });
          expect(ids(actual).slice(0, limit), JSON.stringify(filter)).toEqual(
            ids(expected).slice(0, limit),
          );
          expect(expected.length).toBeGreaterThan(0);
        }
      }
      expect(planQuery(lockQuery({}), SORT, true, indexed.indexes)?.kind).toBe('union');
    });
  });
});
