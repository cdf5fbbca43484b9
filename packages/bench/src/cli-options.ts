import { parseArgs } from 'node:util';
import type { BenchMode } from './settings.js';

/** The scenarios, in the order they run. */
export const SCENARIO_NAMES = [
  'enqueue',
  'processing',
  'latency',
  'scaling',
  'cost',
  'memory',
] as const;

export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/** What the command line asks for. */
export interface CliOptions {
  readonly mode: BenchMode;
  /** Where latest.json / latest.md (or quick.json / quick.md) go; undefined: the default. */
  readonly outDir: string | undefined;
  readonly scenarios: readonly ScenarioName[];
  /** Directory for a CPU profile of the emulator process (embedded substrate only). */
  readonly profileDir: string | undefined;
  /** A free-text note stored with the results (e.g. that the machine was shared). */
  readonly note: string | undefined;
  /** A results .json to render again (targets and .md) instead of running. */
  readonly render: string | undefined;
  readonly help: boolean;
}

export const USAGE = `Usage: node dist/run.mjs [--quick] [--only a,b] [--out DIR] [--profile DIR] [--note TEXT]

Runs Monque and Agenda side by side on the same server: the embedded mongo-emulator (in a child
process), or MONGODB_URI when it is set.

  --quick         small sizes (under a minute); results go to the OS temp directory
  --only LIST     run only these scenarios (${SCENARIO_NAMES.join(', ')})
  --out DIR       write the result files to DIR
  --profile DIR   write a .cpuprofile of the emulator process to DIR and list its top frames
  --note TEXT     store a note with the results (for example "machine shared")
  --render FILE   re-evaluate the targets of a results .json and rewrite it and its .md
  --help          print this help`;

function isScenarioName(value: string): value is ScenarioName {
  return (SCENARIO_NAMES as readonly string[]).includes(value);
}

/**
 * Parses the command line (without `node` and the script).
 * @throws Error for unknown options or scenario names.
 */
export function parseCliOptions(argv: readonly string[]): CliOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean' },
      only: { type: 'string' },
      out: { type: 'string' },
      profile: { type: 'string' },
      note: { type: 'string' },
      render: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  let scenarios: readonly ScenarioName[] = SCENARIO_NAMES;
  if (values.only !== undefined) {
    const names = values.only
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name !== '');
    const unknown = names.filter((name) => !isScenarioName(name));
    if (unknown.length > 0 || names.length === 0) {
      throw new Error(`unknown scenario in --only: ${unknown.join(', ') || '(none given)'}`);
    }
    scenarios = SCENARIO_NAMES.filter((name) => names.includes(name));
  }
  return {
    mode: values.quick ? 'quick' : 'full',
    outDir: values.out,
    scenarios,
    profileDir: values.profile,
    note: values.note,
    render: values.render,
    help: values.help === true,
  };
}
