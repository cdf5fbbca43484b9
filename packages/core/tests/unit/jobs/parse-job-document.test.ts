import { ObjectId } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { parseJobDocument } from '../../../src/jobs/parse-job-document.js';
import { createJobDocument } from '../../../src/testing/create-job-document.js';

const ID = new ObjectId('65a1f0c2e4b0a1b2c3d4e5f6');
const WHERE =
  'document ObjectId(65a1f0c2e4b0a1b2c3d4e5f6) in the jobs collection is not a Monque job';

describe('parseJobDocument', () => {
  it('accepts a complete job document and returns it unchanged', () => {
    const doc = createJobDocument({ _id: ID, data: { to: 'a' } });
    const result = parseJobDocument(doc);
    expect(result).toEqual({ ok: true, document: doc });
    expect(result.ok && result.document).toBe(doc);
  });

  it('accepts a claimed, failed, recurring job with a unique key', () => {
    const now = new Date();
    const doc = createJobDocument({
      status: 'processing',
      lockedAt: now,
      claimedBy: 'worker-a',
      lastHeartbeat: now,
      heartbeatInterval: 10_000,
      failCount: 2,
      failReason: 'boom',
      takeoverCount: 1,
      repeatInterval: '*/5 * * * *',
      timezone: 'Europe/Berlin',
      uniqueKey: 'k',
      timeout: 5000,
      cancelRequestedAt: now,
    });
    expect(parseJobDocument(doc).ok).toBe(true);
  });

  it.each<[string, Record<string, unknown>, string, string, string]>([
    ['_id', { _id: 'abc' }, 'an ObjectId', 'string "abc"', 'document string "abc"'],
    ['name', { name: '' }, 'a non-empty string', 'string ""', ''],
    ['name', { name: 5 }, 'a non-empty string', 'number 5', ''],
    ['data', { data: undefined }, 'present (null when there is no payload)', 'undefined', ''],
    [
      'status',
      { status: 'queued' },
      'one of pending, processing, completed, failed, cancelled',
      'string "queued"',
      '',
    ],
    ['nextRunAt', { nextRunAt: '2026-01-01' }, 'a valid Date', 'string "2026-01-01"', ''],
    ['nextRunAt', { nextRunAt: new Date(Number.NaN) }, 'a valid Date', 'an invalid Date', ''],
    ['lockedAt', { lockedAt: 0 }, 'a valid Date or null', 'number 0', ''],
    ['claimedBy', { claimedBy: 1 }, 'a string or null', 'number 1', ''],
    ['lastHeartbeat', { lastHeartbeat: 'x' }, 'a valid Date or null', 'string "x"', ''],
    ['heartbeatInterval', { heartbeatInterval: 0 }, 'a positive number or null', 'number 0', ''],
    [
      'heartbeatInterval',
      { heartbeatInterval: '5' },
      'a positive number or null',
      'string "5"',
      '',
    ],
    ['failCount', { failCount: -1 }, 'an integer ≥ 0', 'number -1', ''],
    ['failCount', { failCount: 1.5 }, 'an integer ≥ 0', 'number 1.5', ''],
    ['failCount', { failCount: '1' }, 'an integer ≥ 0', 'string "1"', ''],
    ['failReason', { failReason: {} }, 'a string or null', 'object {}', ''],
    ['takeoverCount', { takeoverCount: -1 }, 'an integer ≥ 0 or absent', 'number -1', ''],
    ['takeoverCount', { takeoverCount: null }, 'an integer ≥ 0 or absent', 'null', ''],
    ['repeatInterval', { repeatInterval: 5 }, 'a string or null', 'number 5', ''],
    ['timezone', { timezone: false }, 'a string or null', 'boolean false', ''],
    ['uniqueKey', { uniqueKey: null }, 'a string or absent', 'null', ''],
    ['scheduleKey', { scheduleKey: 7 }, 'a string or absent', 'number 7', ''],
    ['timeout', { timeout: 0 }, 'a positive number or absent', 'number 0', ''],
    ['timeout', { timeout: null }, 'a positive number or absent', 'null', ''],
    [
      'cancelRequestedAt',
      { cancelRequestedAt: 'now' },
      'a valid Date, null or absent',
      'string "now"',
      '',
    ],
    ['createdAt', { createdAt: undefined }, 'a valid Date', 'undefined', ''],
    ['updatedAt', { updatedAt: null }, 'a valid Date', 'null', ''],
  ])('reports a bad %s (%j)', (field, override, expected, found, where) => {
    const doc = { ...createJobDocument({ _id: ID }), ...override };
    const result = parseJobDocument(doc);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problem).toEqual({
      id: doc._id,
      field,
      expected,
      message: `${where === '' ? WHERE : `${where} in the jobs collection is not a Monque job`}: it must have field ${field} that is ${expected}, got ${found}`,
    });
  });

  it('reports a document without _id', () => {
    const { _id, ...rest } = createJobDocument();
    const result = parseJobDocument(rest);
    expect(result).toEqual({
      ok: false,
      problem: {
        id: undefined,
        field: '_id',
        expected: 'an ObjectId',
        message:
          'a document without _id in the jobs collection is not a Monque job: it must have field _id that is an ObjectId, got undefined',
      },
    });
    expect(_id).toBeInstanceOf(ObjectId);
  });

  it.each<[unknown, string]>([
    [null, 'null'],
    ['job', 'string "job"'],
    [[1], 'an array of 1 item'],
  ])('reports a value that is not a document (%j)', (value, found) => {
    expect(parseJobDocument(value)).toEqual({
      ok: false,
      problem: {
        id: undefined,
        field: '',
        expected: 'a document',
        message: `a value in the jobs collection is not a Monque job: it must be a document, got ${found}`,
      },
    });
  });
});
