import { describe, expect, it } from 'vitest';
import { Prng } from './prng.js';

describe('the chaos generator', () => {
  const draws = (prng: Prng): number[] => Array.from({ length: 20 }, () => prng.next());

  it('gives the same sequence for the same seed and stream, another for another', () => {
    expect(draws(new Prng(7, 1))).toEqual(draws(new Prng(7, 1)));
    expect(draws(new Prng(7, 1))).not.toEqual(draws(new Prng(7, 2)));
    expect(draws(new Prng(7, 1))).not.toEqual(draws(new Prng(8, 1)));
  });

  it('draws within its bounds, every value of a small range', () => {
    const prng = new Prng(1);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i += 1) {
      const value = prng.int(3, 6);
      expect(value).toBeGreaterThanOrEqual(3);
      expect(value).toBeLessThanOrEqual(6);
      seen.add(value);
    }
    expect([...seen].sort()).toEqual([3, 4, 5, 6]);
    expect(draws(prng).every((value) => value >= 0 && value < 1)).toBe(true);
  });

  it('picks by weight, and shuffles without losing an element', () => {
    const prng = new Prng(2);
    const picks = Array.from({ length: 4000 }, () => prng.weighted({ rare: 1, common: 3 }));
    const rare = picks.filter((pick) => pick === 'rare').length / picks.length;
    // 1 in 4, within a margin that a correct generator leaves with near certainty (~9 sigma).
    expect(rare).toBeGreaterThan(0.19);
    expect(rare).toBeLessThan(0.31);
    expect(prng.shuffle([1, 2, 3, 4, 5]).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(() => prng.pick([])).toThrow('nothing to pick from');
  });
});
