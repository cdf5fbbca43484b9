import { parseArgs } from 'node:util';
import type { BenchMode } from './settings.js';

/** The scenarios, in the order they run. */
export const SCENARIO_NAMES = [
  'enqueue',
  'processing',
  'latency',
  'idle',
  'cancel',
  'management',
] as const;

export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/** What the command line asks for. */
export interface CliOptions {
  readonly mode: BenchMode;
  /** Add BullMQ on Redis and pg-boss on PostgreSQL (servers installed and started here). */
  readonly peers: boolean;
  /** Where latest.json / latest.md (or quick.json / quick.md) go; undefined: the default. */
  readonly outDir: string | undefined;
  readonly scenarios: readonly ScenarioName[];
  /** A free-text note stored with the results. */
  readonly note: string | undefined;
  /** A results .json to render again (targets and .md) instead of running. */
  readonly render: string | undefined;
  readonly help: boolean;
}

export const USAGE = `Usage: node dist/run.mjs [--peers] [--quick] [--only a,b] [--out DIR] [--note TEXT]

Runs the scheduler libraries side by side: Monque and Agenda on one MongoDB-compatible server (the
embedded mongo-emulator in its own process, or MONGODB_URI when it is set); with --peers also
BullMQ on Redis and pg-boss on PostgreSQL, whose servers the harness installs (apt-get, as root)
and starts itself.

  --peers         add BullMQ (Redis) and pg-boss (PostgreSQL)
  --quick         small sizes, one repetition; results go to the OS temp directory
  --only LIST     run only these scenarios (${SCENARIO_NAMES.join(', ')})
  --out DIR       write the result files to DIR
  --note TEXT     store a note with the results
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
      peers: { type: 'boolean' },
      quick: { type: 'boolean' },
      only: { type: 'string' },
      out: { type: 'string' },
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
    peers: values.peers === true,
    outDir: values.out,
    scenarios,
    note: values.note,
    render: values.render,
    help: values.help === true,
  };
}
