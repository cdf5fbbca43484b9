import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type CliOptions,
  parseCliOptions,
  SCENARIO_NAMES,
  type ScenarioName,
  USAGE,
} from './cli-options.js';
import { WorkerHandle } from './harness/worker-handle.js';
import { LIBRARIES, type LibraryName, libraryLabel } from './libraries/types.js';
import { LoadSampler, machineInfo, packageVersions, sourceCommit } from './machine.js';
import { elapsedSeconds, progress } from './progress.js';
import { formatJson } from './report/json.js';
import { renderMarkdown } from './report/markdown.js';
import { packageReadmeBlock, replaceBlock, rootReadmeBlock } from './report/readme.js';
import { isClean } from './report/summary.js';
import { evaluateTargets, type MachineLoad } from './report/targets.js';
import type { BenchResults, LibraryRun, ScenarioResults } from './results.js';
import { runCancel } from './scenarios/cancel.js';
import type { ScenarioContext } from './scenarios/context.js';
import { runEnqueue } from './scenarios/enqueue.js';
import { runIdle } from './scenarios/idle.js';
import { runLatency } from './scenarios/latency.js';
import { runManagement } from './scenarios/management.js';
import { runProcessing } from './scenarios/processing.js';
import { settingsFor } from './settings.js';
import { connectMongodb, startEmulator } from './stores/emulator.js';
import { startPostgres } from './stores/postgres.js';
import { startRedis } from './stores/redis.js';
import type { MissingStore, Store, StoreKind } from './stores/store.js';

type Runner = (context: ScenarioContext, results: ScenarioResults) => Promise<void>;

const RUNNERS: Record<ScenarioName, Runner> = {
  enqueue: async (context, results) => {
    results.enqueue = await runEnqueue(context);
  },
  processing: async (context, results) => {
    results.processing = await runProcessing(context);
  },
  latency: async (context, results) => {
    results.latency = await runLatency(context);
  },
  idle: async (context, results) => {
    results.idle = await runIdle(context);
  },
  cancel: async (context, results) => {
    results.cancel = await runCancel(context);
  },
  management: async (context, results) => {
    results.management = await runManagement(context);
  },
};

/** The store each library runs on. */
const STORE_OF: Readonly<Record<LibraryName, 'mongo' | 'redis' | 'postgres'>> = {
  monque: 'mongo',
  agenda: 'mongo',
  bullmq: 'redis',
  'pg-boss': 'postgres',
};

/** Where results go: results/latest.* for a full run of everything, else a temp directory. */
function outputFor(options: CliOptions): { directory: string; baseName: string } {
  const complete = options.scenarios.length === SCENARIO_NAMES.length;
  const baseName = options.mode === 'quick' ? 'quick' : complete ? 'latest' : 'partial';
  if (options.outDir !== undefined) {
    return { directory: options.outDir, baseName };
  }
  if (options.mode === 'full' && complete) {
    return { directory: RESULTS_DIR, baseName };
  }
  return { directory: mkdtempSync(join(tmpdir(), 'monque-bench-')), baseName };
}

/** The results directory of the package (results/latest.*). */
const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));
const PACKAGE_README = fileURLToPath(new URL('../README.md', import.meta.url));
const ROOT_README = fileURLToPath(new URL('../../../README.md', import.meta.url));

/** Rewrites the generated benchmark blocks of the package and repository READMEs. */
function updateReadmes(results: BenchResults): void {
  for (const [file, block] of [
    [PACKAGE_README, packageReadmeBlock(results)],
    [ROOT_README, rootReadmeBlock(results)],
  ] as const) {
    writeFileSync(file, replaceBlock(readFileSync(file, 'utf8'), block));
    progress('bench', `updated the results in ${file}`);
  }
}

/**
 * Re-evaluates the targets of a stored results file and rewrites it and its Markdown (and the
 * READMEs, for results/latest.json).
 */
function render(jsonFile: string): number {
  const stored = JSON.parse(readFileSync(jsonFile, 'utf8')) as BenchResults;
  const results: BenchResults = {
    ...stored,
    targets: evaluateTargets(stored.scenarios, machineLoad(stored)),
  };
  const markdown = renderMarkdown(results);
  writeFileSync(jsonFile, formatJson(results));
  writeFileSync(jsonFile.replace(/\.json$/, '.md'), markdown);
  if (resolve(jsonFile) === join(RESULTS_DIR, 'latest.json')) {
    updateReadmes(results);
  }
  process.stdout.write(markdown);
  return 0;
}

function machineLoad(results: BenchResults): MachineLoad {
  return { cores: results.machine.cores, loadMean: results.load.mean };
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

async function startStores(
  peers: boolean,
): Promise<{ stores: Map<string, Store>; missing: MissingStore[] }> {
  const stores = new Map<string, Store>();
  const missing: MissingStore[] = [];
  const uri = process.env.MONGODB_URI;
  stores.set(
    'mongo',
    uri === undefined || uri === '' ? await startEmulator() : await connectMongodb(uri),
  );
  if (peers) {
    const [redis, postgres] = await Promise.all([startRedis(), startPostgres()]);
    for (const [key, store] of [
      ['redis', redis],
      ['postgres', postgres],
    ] as const) {
      if ('label' in store) {
        stores.set(key, store);
      } else {
        missing.push(store);
        progress('stores', `MISSING ${store.kind}: ${store.reason}`);
      }
    }
  }
  for (const store of stores.values()) {
    progress('stores', store.description);
  }
  return { stores, missing };
}

async function main(argv: readonly string[]): Promise<number> {
  let options: CliOptions;
  try {
    options = parseCliOptions(argv);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (options.render !== undefined) {
    return render(options.render);
  }
  const settings = settingsFor(options.mode);
  // Recorded with the results (a run with any is not clean) instead of ending the run.
  const harnessWarnings: string[] = [];
  process.on('unhandledRejection', (reason: unknown) => {
    harnessWarnings.push(`harness: unhandled rejection: ${describeError(reason)}`);
    progress('warning', `unhandled rejection: ${describeError(reason)}`);
  });
  process.on('warning', (warning) => {
    harnessWarnings.push(`harness: ${warning.name}: ${warning.message}`);
  });
  const load = new LoadSampler();
  const startedAt = new Date();
  const machine = machineInfo();
  const commit = sourceCommit();
  progress(
    'bench',
    `${options.mode} run${options.peers ? ' with peers' : ''}: ${options.scenarios.join(', ')}`,
  );
  progress(
    'bench',
    `${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}, load ${machine.loadAverageAtStart.toFixed(2)}, commit ${commit}`,
  );
  const { stores, missing } = await startStores(options.peers);
  const workers: WorkerHandle[] = [];
  const libraries: LibraryRun[] = [];
  const scenarios: ScenarioResults = {};
  const failures: { scenario: string; message: string }[] = [];
  try {
    for (const library of LIBRARIES) {
      const store = stores.get(STORE_OF[library]);
      if (store === undefined) {
        continue;
      }
      workers.push(await WorkerHandle.start(library, store));
      libraries.push({ library, store: store.kind, storeLabel: store.label });
    }
    progress(
      'bench',
      `libraries: ${workers.map((worker) => libraryLabel(worker.library)).join(', ')}`,
    );
    let runs = 0;
    const runPrefix = `b${Date.now().toString(36)}`;
    const context: ScenarioContext = {
      settings,
      workers,
      nextRunId: () => `${runPrefix}_${(runs++).toString(36)}`,
    };
    for (const name of options.scenarios) {
      progress(name, 'starting');
      const scenarioStartedAt = elapsedSeconds();
      try {
        await RUNNERS[name](context, scenarios);
        progress(name, `done in ${(elapsedSeconds() - scenarioStartedAt).toFixed(1)} s`);
      } catch (error) {
        // The results keep the message only (a stack names this machine's paths).
        failures.push({ scenario: name, message: describeError(error) });
        progress(
          name,
          `FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
        );
      }
    }
  } finally {
    await Promise.all(workers.map((worker) => worker.exit()));
    await Promise.all([...stores.values()].map((store) => store.stop()));
  }
  const storeKinds = new Set<StoreKind>();
  const loadRecord = load.stop();
  const results: BenchResults = {
    formatVersion: 2,
    mode: options.mode,
    peers: options.peers,
    startedAt: startedAt.toISOString(),
    durationSeconds: Math.round(elapsedSeconds()),
    commit,
    note: options.note ?? null,
    machine,
    load: loadRecord,
    versions: packageVersions(),
    stores: [...stores.values()]
      .filter((store) => !storeKinds.has(store.kind) && storeKinds.add(store.kind) !== undefined)
      .map((store) => ({ kind: store.kind, description: store.description })),
    missingStores: missing,
    libraries,
    settings,
    scenarios,
    failures,
    harnessWarnings,
    targets: evaluateTargets(scenarios, { cores: machine.cores, loadMean: loadRecord.mean }),
  };
  const markdown = renderMarkdown(results);
  const { directory, baseName } = outputFor(options);
  mkdirSync(directory, { recursive: true });
  const jsonFile = join(directory, `${baseName}.json`);
  const markdownFile = join(directory, `${baseName}.md`);
  writeFileSync(jsonFile, formatJson(results));
  writeFileSync(markdownFile, markdown);
  if (directory === RESULTS_DIR && baseName === 'latest') {
    updateReadmes(results);
  }
  process.stdout.write(`\n${markdown}\n`);
  progress(
    'bench',
    `wrote ${jsonFile} and ${markdownFile}${isClean(results) ? '' : ' (NOT clean: see the warnings section)'}`,
  );
  return failures.length === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
