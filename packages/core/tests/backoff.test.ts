import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, MonqueError } from '../src/errors.js';
import { calculateBackoff, calculateBackoffDelay } from '../src/utils/backoff.js';

/** What `run` throws (it must throw). */
function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('calculateBackoffDelay', () => {
  it('is the base interval on the first failure count (2^0 × base)', () => {
    expect(calculateBackoffDelay(0, 1000)).toBe(1000);
  });

  it('doubles with every failure', () => {
    expect([1, 2, 3, 4, 10].map((n) => calculateBackoffDelay(n, 1000))).toEqual([
      2000, 4000, 8000, 16_000, 1_024_000,
    ]);
  });

  it('is capped by maxDelay', () => {
    expect(calculateBackoffDelay(5, 1000, 10_000)).toBe(10_000);
    expect(calculateBackoffDelay(2, 1000, 10_000)).toBe(4000);
    expect(calculateBackoffDelay(5000, 1000, 86_400_000)).toBe(86_400_000);
  });

  it('accepts a zero base interval', () => {
    expect(calculateBackoffDelay(7, 0)).toBe(0);
  });

  it.each([
    ['failCount', -1, 1000, undefined],
    ['failCount', Number.NaN, 1000, undefined],
    ['failCount', Number.POSITIVE_INFINITY, 1000, undefined],
    ['failCount', 1.5, 1000, undefined],
    ['baseInterval', 1, -1, undefined],
    ['baseInterval', 1, Number.NaN, undefined],
    ['baseInterval', 1, Number.POSITIVE_INFINITY, undefined],
    ['maxDelay', 1, 1000, -5],
    ['maxDelay', 1, 1000, Number.NaN],
  ])(
    'rejects an invalid %s with an InvalidArgumentError naming it',
    (name, failCount, base, max) => {
      const error = thrownBy(() => calculateBackoffDelay(failCount, base, max));
      // Like every error Monque throws, a MonqueError.
      expect(error).toBeInstanceOf(MonqueError);
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect(error).toMatchObject({
        argument: name,
        message: expect.stringMatching(`^Invalid ${name}: must`),
      });
    },
  );

  it('rejects an uncapped delay too large to schedule, asking for maxDelay', () => {
    const error = thrownBy(() => calculateBackoffDelay(2000, 1000));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error).toMatchObject({ argument: 'maxDelay' });
    expect((error as Error).message).toMatch(/2\^2000 × 1000 ms is too large to schedule/);
  });
});

describe('calculateBackoff', () => {
  const now = new Date('2026-01-01T00:00:00.000Z');

  it('adds the delay to now', () => {
    expect(calculateBackoff(0, 1000, undefined, now).toISOString()).toBe(
      '2026-01-01T00:00:01.000Z',
    );
    expect(calculateBackoff(3, 1000, undefined, now).toISOString()).toBe(
      '2026-01-01T00:00:08.000Z',
    );
  });

  it('applies the cap', () => {
    expect(calculateBackoff(30, 1000, 60_000, now).toISOString()).toBe('2026-01-01T00:01:00.000Z');
  });

  it('defaults now to the current time', () => {
    const before = Date.now();
    const next = calculateBackoff(1, 500).getTime();
    expect(next).toBeGreaterThanOrEqual(before + 1000);
    expect(next).toBeLessThanOrEqual(Date.now() + 1000);
  });

  it('rejects an invalid now with an InvalidArgumentError', () => {
    const error = thrownBy(() => calculateBackoff(1, 1000, undefined, new Date(Number.NaN)));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error).toMatchObject({ argument: 'now', message: expect.stringMatching(/valid Date/) });
  });

  it('rejects a result beyond the largest Date with an InvalidArgumentError', () => {
    const error = thrownBy(() => calculateBackoff(0, 8.6e15, undefined, new Date(8.6e15)));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error).toMatchObject({ argument: 'now' });
    expect((error as Error).message).toMatch(/beyond the largest Date/);
  });
});
