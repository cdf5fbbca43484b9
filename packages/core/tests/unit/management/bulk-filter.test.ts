import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/errors.js';
import { actionQuery, checkBulkFilter, jobFilterOf } from '../../../src/management/bulk-filter.js';
import { checkJobFilter } from '../../../src/management/job-filter.js';

const from = new Date('2026-01-01T00:00:00Z');
const to = new Date('2026-02-01T00:00:00Z');

describe('checkBulkFilter', () => {
  it('accepts a filter that names anything, and an empty one only with { all: true }', () => {
    for (const filter of [
      { name: 'a' },
      { status: 'failed' },
      { createdAt: { from } },
      { uniqueKey: 'k' },
      { recurring: false },
      { data: { x: 1 } },
    ]) {
      expect(() => checkBulkFilter(filter, undefined)).not.toThrow();
    }
    expect(checkBulkFilter({}, { all: true })).toEqual(checkJobFilter({}));
    for (const options of [undefined, {}, { all: false }]) {
      expect(() => checkBulkFilter({}, options)).toThrow(InvalidArgumentError);
    }
  });
});

describe('jobFilterOf', () => {
  it('gives back a filter that checks to the same checked filter', () => {
    const filters = [
      {},
      { name: ['b', 'a'], status: 'failed' as const },
      { createdAt: { from }, updatedAt: { to }, nextRunAt: { from, to } },
      { uniqueKey: 'k', recurring: true, data: { 'customer.id': 42, tier: null } },
    ];
    for (const filter of filters) {
      const checked = checkJobFilter(filter);
      expect(checkJobFilter(jobFilterOf(checked))).toEqual(checked);
    }
    expect(jobFilterOf(checkJobFilter({ createdAt: { from } }))).toEqual({ createdAt: { from } });
  });
});

describe('actionQuery', () => {
  it('narrows the statuses to those the action accepts, or gives nothing to send', () => {
    const accepted = ['failed', 'cancelled'] as const;
    expect(actionQuery(checkJobFilter({ name: 'a' }), accepted)).toEqual({
      name: 'a',
      status: { $in: ['failed', 'cancelled'] },
    });
    expect(actionQuery(checkJobFilter({ status: ['failed', 'pending'] }), accepted)).toEqual({
      status: 'failed',
    });
    expect(actionQuery(checkJobFilter({ status: 'pending' }), accepted)).toBeUndefined();
  });
});
