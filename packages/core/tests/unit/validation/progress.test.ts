import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/errors.js';
import { MAX_PROGRESS_SIZE } from '../../../src/jobs/job-progress.js';
import { assertProgress } from '../../../src/validation/progress.js';

function refusal(value: unknown): InvalidArgumentError {
  try {
    assertProgress(value);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).argument).toBe('progress');
    return error as InvalidArgumentError;
  }
  throw new Error(`accepted ${String(value)}`);
}

describe('assertProgress', () => {
  it('accepts numbers from 0 to 100 and small plain documents', () => {
    for (const value of [0, 42.5, 100, { done: 3, total: 9 }, Object.create(null)]) {
      expect(() => assertProgress(value)).not.toThrow();
    }
  });

  it('refuses numbers out of range and NaN', () => {
    for (const value of [-1, 100.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(refusal(value).message).toContain('must be a number from 0 to 100;');
    }
  });

  it('refuses other kinds of values', () => {
    for (const value of ['50%', null, undefined, [50], new Date(), new Map(), true]) {
      expect(refusal(value).message).toContain(
        'must be a number from 0 to 100 or a plain object (such as { done: 3, total: 9 })',
      );
    }
  });

  it('refuses documents BSON would not store as they are, naming the path', () => {
    expect(refusal({ stage: () => {} }).message).toMatch(
      /^Invalid progress: progress\.stage must not be a function/,
    );
  });

  it(`refuses documents larger than ${MAX_PROGRESS_SIZE} bytes once encoded`, () => {
    expect(refusal({ note: 'x'.repeat(MAX_PROGRESS_SIZE) }).message).toContain(
      `must be at most ${MAX_PROGRESS_SIZE} bytes once BSON-encoded (it is 1055)`,
    );
  });
});
