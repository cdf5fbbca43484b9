import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type ChaosResults, LONG_RUN, readBlock, renderResults } from './report.js';

// The chaos results in the reliability README are written by the long run
// (`npm run chaos -w @monque/core`) from results.json; they must still be exactly what that file
// renders to, never edited by hand.
const read = (path: string): string => readFileSync(new URL(path, import.meta.url), 'utf8');
const results = JSON.parse(read('./results.json')) as ChaosResults;

describe('the chaos results in the reliability README', () => {
  it('are the block rendered from results.json', () => {
    expect(readBlock(read('../README.md'))).toBe(renderResults(results));
  });

  it(`come from a long run: at least ${LONG_RUN.seeds} seeds of at least ${LONG_RUN.seconds} s`, () => {
    expect(results.rows.length).toBeGreaterThanOrEqual(LONG_RUN.seeds);
    for (const row of results.rows) expect(row.seconds).toBeGreaterThanOrEqual(LONG_RUN.seconds);
  });
});
