// The long chaos run of the reliability suite: `npm run chaos -w @monque/core -- --seeds 5
// --seconds 60` runs seeds 1..5 (or from --first-seed) of the chaos test, each with that many
// seconds of chaos, one after another, and — for at least 3 seeds of at least 60 s — writes the
// results to tests/reliability/chaos/results.json and the reliability README. Runs on the built
// package (the npm script builds it first); MONGODB_URI, when set, is used instead of an emulator
// process (then without outages). `--render` only writes the README block again from results.json.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '60' },
    'first-seed': { type: 'string', default: '1' },
    render: { type: 'boolean', default: false },
  },
  strict: true,
});

/** @param {string} name @param {string | undefined} raw */
function positiveInteger(name, raw) {
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    console.error(`chaos: --${name} must be a positive integer; got ${raw}`);
    process.exit(2);
  }
  return value;
}

const count = positiveInteger('seeds', values.seeds);
const seconds = positiveInteger('seconds', values.seconds);
const first = positiveInteger('first-seed', values['first-seed']);
const seeds = Array.from({ length: count }, (_, index) => first + index);

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const vitest = join(
  dirname(createRequire(import.meta.url).resolve('vitest/package.json')),
  'vitest.mjs',
);
const result = spawnSync(
  process.execPath,
  [vitest, 'run', '--config', 'tests/reliability/chaos/long-run.config.ts'],
  {
    cwd: packageDir,
    stdio: 'inherit',
    env: {
      ...process.env,
      MONQUE_CHAOS_SEEDS: seeds.join(','),
      MONQUE_CHAOS_SECONDS: String(seconds),
      MONQUE_CHAOS_RENDER: values.render ? '1' : '',
    },
  },
);
process.exitCode = result.status ?? 1;
