import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt } from '../support/worker-process.js';
import {
  type ChaosResultRow,
  type ChaosResults,
  chaosSummary,
  LONG_RUN,
  renderResults,
  replaceBlock,
  resultRow,
} from './report.js';
import { runChaos } from './run-chaos.js';

// The long chaos run: the seeds in MONQUE_CHAOS_SEEDS (comma-separated), MONQUE_CHAOS_SECONDS of
// chaos each, one after another (scripts/chaos.mjs sets both). A run of at least
// LONG_RUN.seeds seeds of at least LONG_RUN.seconds s writes results.json and the results block
// of the reliability README; a shorter one only prints its table. With MONQUE_CHAOS_RENDER=1 it
// only writes the README block again from results.json.

const RESULTS = new URL('./results.json', import.meta.url);
const README = new URL('../README.md', import.meta.url);

function environment(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(`${name} is not set: run the long chaos with npm run chaos -w @monque/core`);
  }
  return value;
}

/** Writes the README block again from results.json (after a change of how it is rendered). */
const renderOnly = process.env.MONQUE_CHAOS_RENDER === '1';

function writeReadme(results: ChaosResults): string {
  const block = renderResults(results);
  writeFileSync(README, replaceBlock(readFileSync(README, 'utf8'), block));
  return block;
}

if (renderOnly) {
  it('writes the README block from results.json', () => {
    writeReadme(JSON.parse(readFileSync(RESULTS, 'utf8')) as ChaosResults);
  });
}

const seeds = renderOnly ? [] : environment('MONQUE_CHAOS_SEEDS').split(',').map(Number);
const seconds = renderOnly ? 0 : Number(environment('MONQUE_CHAOS_SECONDS'));
const uri = process.env.MONGODB_URI;

describe.skipIf(renderOnly)(`chaos: ${seeds.length} seeds × ${seconds} s`, () => {
  const rows: ChaosResultRow[] = [];
  const loadAtStart = loadavg()[0] ?? 0;

  beforeAll(() => {
    assertBuilt();
  });

  afterAll(() => {
    const results: ChaosResults = {
      finishedAt: new Date().toISOString(),
      commit: execFileSync('git', ['describe', '--always', '--dirty'], { encoding: 'utf8' }).trim(),
      node: process.version,
      cores: availableParallelism(),
      load: { start: loadAtStart, end: loadavg()[0] ?? 0 },
      database:
        uri === undefined
          ? 'the emulator, in a process of its own (stopped for the outages)'
          : 'the server at MONGODB_URI (no outages)',
      rows,
    };
    if (rows.length >= LONG_RUN.seeds && seconds >= LONG_RUN.seconds) {
      writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
      writeReadme(results);
      console.info(`\nThe results are in ${RESULTS.pathname} and the reliability README.`);
    }
    console.info(`\n${renderResults(results)}\n`);
  });

  for (const seed of seeds) {
    it(
      `seed ${seed}`,
      async () => {
        const run = await runChaos({ seed, seconds, ...(uri === undefined ? {} : { uri }) });
        rows.push(resultRow(run));
        console.info(`[chaos] seed ${seed}: ${chaosSummary(run)}`);
        expect(run.failures, `logs kept in ${run.logDir}`).toEqual([]);
      },
      (seconds + 180) * 1000,
    );
  }
});
