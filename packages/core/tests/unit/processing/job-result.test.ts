import { ObjectId } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, JobResultError } from '../../../src/errors.js';
import { checkResult } from '../../../src/processing/job-result.js';

const job = { _id: new ObjectId('65a1f0c2e4b0a1b2c3d4e5f6') };

describe('checkResult', () => {
  it('stores plain data as it is, and nothing (undefined) as null', () => {
    const value = { rows: 3, at: new Date(0), id: job._id };
    expect(checkResult(value, 1024, job)).toEqual({ value });
    expect(checkResult(undefined, 1024, job)).toEqual({ value: null });
    expect(checkResult(null, 1024, job)).toEqual({ value: null });
    expect(checkResult('done', 1024, job)).toEqual({ value: 'done' });
  });

  it('refuses a result larger than maxResultSize, with its size', () => {
    const error = (() => {
      try {
        checkResult('x'.repeat(100), 64, job);
      } catch (caught) {
        return caught;
      }
    })() as JobResultError;
    expect(error).toBeInstanceOf(JobResultError);
    expect(error.size).toBe(118);
    expect(error.limit).toBe(64);
    expect(error.jobId).toBe('65a1f0c2e4b0a1b2c3d4e5f6');
    expect(error.message).toBe(
      'The handler of job 65a1f0c2e4b0a1b2c3d4e5f6 returned a result that cannot be stored: it ' +
        'is 118 bytes once BSON-encoded, more than 64. The run failed; return plain data of at ' +
        'most 64 bytes (option maxResultSize), such as a reference to where larger output is kept.',
    );
  });

  it('refuses a value BSON would not store as it is, naming where it is', () => {
    const error = (() => {
      try {
        checkResult({ rows: [1, new Map()] }, 1024, job);
      } catch (caught) {
        return caught;
      }
    })() as JobResultError;
    expect(error).toBeInstanceOf(JobResultError);
    expect(error.size).toBeUndefined();
    expect(error.cause).toBeInstanceOf(InvalidArgumentError);
    expect(error.message).toMatch(
      /^The handler of job 65a1f0c2e4b0a1b2c3d4e5f6 returned a result that cannot be stored: result\.rows\[1\] must be plain data: .*; got an instance of Map\. The run failed;/,
    );
  });
});
