import { describe, expect, it } from 'vitest';
import {
  type Count,
  type CoverageSource,
  coverageByPackage,
  formatCoverage,
  type Metric,
  percent,
} from '../../../../scripts/coverage-summary.js';

/** A coverage map of files with the same counts for every measure. */
function coverageMap(files: Record<string, Count>): CoverageSource {
  return {
    files: () => Object.keys(files),
    fileCoverageFor: (file) => ({
      toSummary: () => {
        const count = files[file] as Count;
        const data = { statements: count, branches: count, functions: count, lines: count };
        return { data: data as Record<Metric, Count> };
      },
    }),
  };
}

describe('the coverage lines of the closing summary', () => {
  it('rounds down to two decimals, as the thresholds are checked', () => {
    expect(percent({ covered: 2, total: 3 })).toBe(66.66);
    expect(percent({ covered: 999_999, total: 1_000_000 })).toBe(99.99);
    expect(percent({ covered: 0, total: 0 })).toBe(100);
  });

  it('adds up the files of each package and says whether its thresholds hold', () => {
    const map = coverageMap({
      '/repo/packages/core/src/a.ts': { covered: 9, total: 10 },
      '/repo/packages/core/src/sub/b.ts': { covered: 1, total: 10 },
      '/repo/packages/test-support/src/c.ts': { covered: 3, total: 4 },
      '/repo/packages/dashboard/src/d.ts': { covered: 1, total: 1 },
      '/repo/scripts/outside.ts': { covered: 0, total: 5 },
    });
    const packages = coverageByPackage(map);
    expect(packages.map(({ name, counts }) => [name, counts.lines])).toEqual([
      ['core', { covered: 10, total: 20 }],
      ['dashboard', { covered: 1, total: 1 }],
      ['test-support', { covered: 3, total: 4 }],
    ]);
    expect(
      formatCoverage(packages, {
        'packages/core/src/**': { statements: 50, branches: 60, functions: 40, lines: 50 },
        'packages/test-support/src/**': { statements: 75, branches: 75, functions: 75, lines: 75 },
      }),
    ).toEqual([
      'Coverage core          statements 50 % (≥ 50) · branches 50 % (≥ 60) · functions 50 % (≥ 40) · lines 50 % (≥ 50) · MISSED: branches',
      'Coverage dashboard     statements 100 % · branches 100 % · functions 100 % · lines 100 % · no threshold',
      'Coverage test-support  statements 75 % (≥ 75) · branches 75 % (≥ 75) · functions 75 % (≥ 75) · lines 75 % (≥ 75) · met',
    ]);
  });
});
