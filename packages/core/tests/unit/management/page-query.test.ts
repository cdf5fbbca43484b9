import { ObjectId } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { JOB_INDEXES } from '../../../src/indexes.js';
import { jobFilterQuery } from '../../../src/management/filter-query.js';
import { checkJobFilter } from '../../../src/management/job-filter.js';
import { readJobOrder } from '../../../src/management/job-order.js';
import { needsSnapshot, pageIndex, pageQueries } from '../../../src/management/page-query.js';

const ALL = ['pending', 'processing', 'completed', 'failed', 'cancelled'];

describe('jobFilterQuery', () => {
  it('pins every status when the filter names none', () => {
    expect(jobFilterQuery(checkJobFilter({}))).toEqual({ status: { $in: ALL } });
  });

  it('builds equality, $in and ranges from the checked values only', () => {
    const id = new ObjectId();
    const from = new Date(1);
    const to = new Date(2);
    expect(
      jobFilterQuery(
        checkJobFilter({
          name: ['b', 'a'],
          status: 'failed',
          createdAt: { from, to },
          updatedAt: { from },
          nextRunAt: { to },
          uniqueKey: 'u',
          recurring: true,
          data: { 'customer.id': 42, ref: id, note: '$gt' },
        }),
      ),
    ).toEqual({
      name: { $in: ['a', 'b'] },
      status: 'failed',
      createdAt: { $gte: from, $lt: to },
      updatedAt: { $gte: from },
      nextRunAt: { $lt: to },
      uniqueKey: 'u',
      repeatInterval: { $type: 'string' },
      'data.customer.id': 42,
      'data.note': '$gt',
      'data.ref': id,
    });
  });

  it('selects one-off jobs by a null cron expression, and skips empty ranges', () => {
    expect(jobFilterQuery(checkJobFilter({ name: 'a', recurring: false, createdAt: {} }))).toEqual({
      name: 'a',
      status: { $in: ALL },
      repeatInterval: null,
    });
  });
});

describe('pageIndex', () => {
  const index = (filter: unknown, order: string) =>
    pageIndex(checkJobFilter(filter), readJobOrder(order));

  it('picks the status index of the order field, or the claim index for one name by nextRunAt', () => {
    expect(index({}, 'createdAt')).toBe('monque_status_created');
    expect(index({ name: 'a' }, '-createdAt')).toBe('monque_status_created');
    expect(index({}, '-updatedAt')).toBe('monque_status_updated');
    expect(index({}, 'nextRunAt')).toBe('monque_status_next_run');
    expect(index({ name: ['a', 'b'] }, 'nextRunAt')).toBe('monque_status_next_run');
    expect(index({ name: 'a' }, '-nextRunAt')).toBe('monque_claim');
  });

  it('names only indexes that exist, each holding the order field right after its equalities', () => {
    const keys = new Map(JOB_INDEXES.map((spec) => [spec.name, Object.keys(spec.key)]));
    expect(keys.get('monque_status_created')).toEqual(['status', 'createdAt', '_id']);
    expect(keys.get('monque_status_updated')).toEqual(['status', 'updatedAt', '_id']);
    expect(keys.get('monque_status_next_run')).toEqual(['status', 'nextRunAt', '_id']);
    expect(keys.get('monque_claim')).toEqual(['name', 'status', 'nextRunAt', '_id']);
  });
});

describe('pageQueries', () => {
  const filter = checkJobFilter({ status: 'failed' });
  const position = { key: new Date(10), id: new ObjectId(), snapshot: undefined };
  const OBJECT_ID = { $type: 'objectId' };

  it('bounds the first page to Dates in the order field and reads one job more', () => {
    expect(pageQueries(filter, readJobOrder('-createdAt'), 50, undefined, undefined)).toEqual([
      {
        filter: {
          $and: [
            { createdAt: { $gte: new Date(-8.64e15), $lte: new Date(8.64e15) }, _id: OBJECT_ID },
            { status: 'failed' },
          ],
        },
        sort: { createdAt: -1, _id: -1 },
        hint: 'monque_status_created',
        limit: 51,
      },
    ]);
  });

  it('sends one query per status, every status when the filter names none', () => {
    const statuses = (filterOf: unknown) =>
      pageQueries(checkJobFilter(filterOf), readJobOrder('createdAt'), 5, undefined, undefined).map(
        (query) => query.filter.$and.at(-1),
      );
    expect(statuses({ name: 'a' })).toEqual(ALL.map((status) => ({ name: 'a', status })));
    expect(statuses({ status: ['pending', 'failed'] })).toEqual([
      { status: 'failed' },
      { status: 'pending' },
    ]);
  });

  it('starts strictly after the position, descending', () => {
    const [query] = pageQueries(filter, readJobOrder('-createdAt'), 10, position, undefined);
    expect(query?.filter.$and[0]).toEqual({
      createdAt: { $lte: position.key },
      _id: OBJECT_ID,
      $or: [
        { createdAt: { $lt: position.key } },
        { createdAt: position.key, _id: { $lt: position.id } },
      ],
    });
  });

  it('starts strictly after the position, ascending, within the snapshot', () => {
    const snapshot = new Date(20);
    const [query] = pageQueries(filter, readJobOrder('nextRunAt'), 10, position, snapshot);
    expect(query?.filter.$and.slice(0, 2)).toEqual([
      {
        nextRunAt: { $gte: position.key },
        _id: OBJECT_ID,
        $or: [
          { nextRunAt: { $gt: position.key } },
          { nextRunAt: position.key, _id: { $gt: position.id } },
        ],
      },
      { updatedAt: { $lte: snapshot } },
    ]);
    expect(query?.sort).toEqual({ nextRunAt: 1, _id: 1 });
  });

  it('takes a snapshot for the orders on fields that change', () => {
    expect(needsSnapshot(readJobOrder('createdAt'))).toBe(false);
    expect(needsSnapshot(readJobOrder('-updatedAt'))).toBe(true);
    expect(needsSnapshot(readJobOrder('nextRunAt'))).toBe(true);
  });
});
