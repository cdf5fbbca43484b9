import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { packageReadmeBlock, readBlock, rootReadmeBlock } from '../src/report/readme.js';
import type { BenchResults } from '../src/results.js';

// The results in the READMEs are generated from results/latest.json by the run that wrote it;
// they must still be exactly what that file renders to (never edited by hand, never stale).
const read = (path: string): string => readFileSync(new URL(path, import.meta.url), 'utf8');
const latest = JSON.parse(read('../results/latest.json')) as BenchResults;

describe('the benchmark results in the READMEs', () => {
  it('are the package README block rendered from results/latest.json', () => {
    expect(readBlock(read('../README.md'))).toBe(packageReadmeBlock(latest));
  });

  it('are the repository README block rendered from results/latest.json', () => {
    expect(readBlock(read('../../../README.md'))).toBe(rootReadmeBlock(latest));
  });

  it('come from a full run of every scenario', () => {
    expect(latest.mode).toBe('full');
    expect(Object.keys(latest.scenarios).sort()).toEqual([
      'cancel',
      'enqueue',
      'idle',
      'latency',
      'management',
      'processing',
    ]);
  });
});
