import { ObjectId } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/errors.js';
import { assertJobId } from '../../../src/validation/job-id.js';
import { catchError } from './catch-error.js';

const RULE = 'Invalid id: must be an ObjectId or a 24-character hexadecimal string; got';

describe('assertJobId', () => {
  it('returns an ObjectId as is', () => {
    const id = new ObjectId();
    expect(assertJobId(id)).toBe(id);
  });

  it('converts a 24-character hex string, in either case', () => {
    expect(assertJobId('65A1F0C2E4B0A1B2C3D4E5F6').toHexString()).toBe('65a1f0c2e4b0a1b2c3d4e5f6');
  });

  it.each<[string, unknown, string]>([
    ['a 12-character string', 'abcdefghijkl', `${RULE} string "abcdefghijkl".`],
    ['a non-hex string', 'zz'.repeat(12), `${RULE} string "${'zz'.repeat(12)}".`],
    ['an operator object', { $ne: null }, `${RULE} object {"$ne":null}.`],
    ['a number', 5, `${RULE} number 5.`],
  ])('rejects %s', (_, id, message) => {
    const error = catchError(() => assertJobId(id));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).argument).toBe('id');
    expect(error.message).toBe(message);
  });

  it('names a custom argument', () => {
    expect((catchError(() => assertJobId(1, 'jobId')) as InvalidArgumentError).argument).toBe(
      'jobId',
    );
  });
});
