import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type CliOptions,
  parseCliOptions,
  SCENARIO_NAMES,
  type ScenarioName,
  USAGE,
} from './cli-options.js';
import { currentLoad, machineInfo, packageVersions } from './machine.js';
import { elapsedSeconds, progress } from './progress.js';
import { formatJson } from './report/json.js';
import { renderMarkdown } from './report/markdown.js';
import { summarizeProfiles } from './report/profile.js';
import { evaluateTargets } from './report/targets.js';
import type { BenchResults, ProfileSummary, ScenarioResults } from './results.js';
import type { ScenarioContext } from './scenarios/context.js';
import { runCost } from './scenarios/cost.js';
import { runEnqueue } from './scenarios/enqueue.js';
import { runLatency } from './scenarios/latency.js';
import { runMemory } from './scenarios/memory.js';
import { runProcessing } from './scenarios/processing.js';
import { runScaling } from './scenarios/scaling.js';
import { settingsFor } from './settings.js';
import { redactUri, startSubstrate } from './substrate.js';

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
  scaling: async (context, results) => {
    results.scaling = await runScaling(context);
  },
  cost: async (context, results) => {
    results.cost = await runCost(context);
  },
  memory: async (context, results) => {
    results.memory = await runMemory(context);
  },
};

/** Where results go: results/latest.* for a full run of everything, else a temp directory. */
function outputFor(options: CliOptions): { directory: string; baseName: string } {
  const complete = options.scenarios.length === SCENARIO_NAMES.length;
  const baseName = options.mode === 'quick' ? 'quick' : complete ? 'latest' : 'partial';
  if (options.outDir !== undefined) {
    return { directory: options.outDir, baseName };
  }
  if (options.mode === 'full' && complete) {
    return { directory: fileURLToPath(new URL('../results/', import.meta.url)), baseName };
  }
  return { directory: mkdtempSync(join(tmpdir(), 'monque-bench-')), baseName };
}

/** Re-evaluates the targets of a stored results file and rewrites it and its Markdown. */
function render(jsonFile: string): number {
  const stored = JSON.parse(readFileSync(jsonFile, 'utf8')) as BenchResults;
  const results: BenchResults = { ...stored, targets: evaluateTargets(stored.scenarios) };
  const markdown = renderMarkdown(results);
  writeFileSync(jsonFile, formatJson(results));
  writeFileSync(jsonFile.replace(/\.json$/, '.md'), markdown);
  process.stdout.write(markdown);
  return 0;
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
  // A library may leave a promise rejected after it was stopped (Agenda unlocks jobs without
  // awaiting); that is recorded with the results instead of ending the run.
  const warnings: string[] = [];
  process.on('unhandledRejection', (reason: unknown) => {
    const message = reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason);
    const warning = `unhandled rejection: ${message}`;
    if (!warnings.includes(warning)) {
      progress('warning', `${warning} (further ones are counted in the results)`);
    }
    warnings.push(warning);
  });
  const startedAt = new Date();
  const machine = machineInfo();
  progress('bench', `${options.mode} run: ${options.scenarios.join(', ')}`);
  progress('bench', `${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}`);
  const substrate = await startSubstrate({ profileDir: options.profileDir });
  progress('bench', `substrate: ${substrate.description} at ${redactUri(substrate.uri)}`);
  const context: ScenarioContext = { uri: substrate.uri, settings };
  const scenarios: ScenarioResults = {};
  const failures: { scenario: string; message: string }[] = [];
  try {
    for (const name of options.scenarios) {
      progress(name, 'starting');
      const scenarioStartedAt = elapsedSeconds();
      try {
        await RUNNERS[name](context, scenarios);
        progress(name, `done in ${(elapsedSeconds() - scenarioStartedAt).toFixed(1)} s`);
      } catch (error) {
        // The results keep the message only (a stack names this machine's paths).
        failures.push({
          scenario: name,
          message: error instanceof Error ? error.message : String(error),
        });
        progress(
          name,
          `FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
        );
      }
    }
  } finally {
    await substrate.stop();
  }
  const profiles: ProfileSummary[] =
    options.profileDir === undefined
      ? []
      : summarizeProfiles(options.profileDir, 'emulator server process');
  machine.loadAverageAtEnd = currentLoad();
  const results: BenchResults = {
    formatVersion: 1,
    mode: options.mode,
    startedAt: startedAt.toISOString(),
    durationSeconds: Math.round(elapsedSeconds()),
    note: options.note ?? null,
    machine,
    versions: packageVersions(),
    substrate: {
      kind: substrate.kind,
      description: substrate.description,
      serverVersion: substrate.serverVersion,
    },
    settings,
    scenarios,
    failures,
    warnings,
    targets: evaluateTargets(scenarios),
    profiles,
  };
  const markdown = renderMarkdown(results);
  const { directory, baseName } = outputFor(options);
  mkdirSync(directory, { recursive: true });
  const jsonFile = join(directory, `${baseName}.json`);
  const markdownFile = join(directory, `${baseName}.md`);
  writeFileSync(jsonFile, formatJson(results));
  writeFileSync(markdownFile, markdown);
  process.stdout.write(`\n${markdown}\n`);
  progress('bench', `wrote ${jsonFile} and ${markdownFile}`);
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
