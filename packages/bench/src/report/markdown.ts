import { type CommandCounts, PHASES, type Phase } from '../commands/phases.js';
import { libraryLabel } from '../libraries/create-queue.js';
import type { LibraryName } from '../libraries/types.js';
import type { BenchResults, ScenarioResults, TargetResult } from '../results.js';
import type { CostResult } from '../scenarios/cost.js';
import type { EnqueueResult } from '../scenarios/enqueue.js';
import type { LatencyResult } from '../scenarios/latency.js';
import type { MemoryResult } from '../scenarios/memory.js';
import type { ProcessingResult } from '../scenarios/processing.js';
import type { ScalingResult } from '../scenarios/scaling.js';
import { AGENDA_PROCESS_EVERY_MS } from '../settings.js';
import { ratio } from '../stats.js';

const MB = 1024 * 1024;

/**
 * A Markdown table with padded columns (as Biome formats Markdown); `align` has one letter per
 * column, `l` or `r` (default: `l` then `r`s).
 */
function table(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  align = `l${'r'.repeat(header.length - 1)}`,
): string {
  const widths = header.map((title, column) =>
    Math.max(3, title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const right = (column: number) => align[column] === 'r';
  const line = (cells: readonly string[]) =>
    `| ${widths
      .map((width, column) => {
        const cell = cells[column] ?? '';
        return right(column) ? cell.padStart(width) : cell.padEnd(width);
      })
      .join(' | ')} |`;
  const separator = `| ${widths
    .map((width, column) => (right(column) ? `${'-'.repeat(width - 1)}:` : '-'.repeat(width)))
    .join(' | ')} |`;
  return [line(header), separator, ...rows.map(line)].join('\n');
}

function number(value: number | undefined, digits = 0): string {
  if (value === undefined || !Number.isFinite(value)) {
    return 'n/a';
  }
  return value.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

function times(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}×` : 'n/a';
}

function verdict(target: TargetResult): string {
  return target.met === null ? '— (n/a)' : target.met ? '**met**' : '**not met**';
}

function targetsSection(targets: readonly TargetResult[]): string {
  return [
    '## Targets',
    '',
    table(
      ['Target', 'Threshold', 'Measured', 'Result', 'Detail'],
      targets.map((target) => [
        target.description,
        target.threshold,
        target.measured,
        verdict(target),
        target.detail,
      ]),
      'llrll',
    ),
  ].join('\n');
}

function enqueueSection(result: EnqueueResult): string {
  return [
    '## 1. Enqueue',
    '',
    table(
      ['Library', 'Method', 'Jobs', 'Jobs/s', 'ms per call'],
      result.runs.map((run) => [
        libraryLabel(run.library),
        run.method === 'bulk' ? `bulk (calls of ${result.bulkCallSize})` : 'one by one',
        number(run.jobs),
        run.unavailable ?? number(run.jobsPerSecond),
        run.meanCallMs === undefined ? '' : number(run.meanCallMs, 2),
      ]),
      'llrrr',
    ),
  ].join('\n');
}

function perJob(commands: CommandCounts, jobs: number): string {
  return jobs > 0 ? number(commands.total / jobs, 2) : 'n/a';
}

function processingSection(result: ProcessingResult): string {
  const keys = [...new Set(result.runs.map((run) => `${run.jobs}:${run.concurrency}`))];
  const rows = keys.map((key) => {
    const [jobs, concurrency] = key.split(':').map(Number);
    const find = (library: LibraryName) =>
      result.runs.find(
        (run) => run.jobs === jobs && run.concurrency === concurrency && run.library === library,
      );
    const monque = find('monque');
    const agenda = find('agenda');
    const cell = (run: typeof monque) =>
      run === undefined
        ? 'n/a'
        : `${number(run.jobsPerSecond)}${run.capped ? ` (${number(run.processed)} in ${number(run.seconds, 1)} s, cap)` : ''}`;
    return [
      number(jobs),
      String(concurrency),
      cell(monque),
      cell(agenda),
      monque && agenda ? times(ratio(monque.jobsPerSecond, agenda.jobsPerSecond)) : 'n/a',
      monque ? perJob(monque.commands, monque.processed) : 'n/a',
      agenda ? perJob(agenda.commands, agenda.processed) : 'n/a',
    ];
  });
  return [
    '## 2. Processing (one instance, queue of due no-op jobs)',
    '',
    `Jobs/s from start() until the queue is processed or the time cap. Targets use the ${number(result.mainBacklog)}-job queue.`,
    '',
    table(
      [
        'Due jobs',
        'Concurrency',
        'Monque jobs/s',
        'Agenda jobs/s',
        'Monque ÷ Agenda',
        'Monque cmds/job',
        'Agenda cmds/job',
      ],
      rows,
    ),
  ].join('\n');
}

function latencySection(result: LatencyResult): string {
  return [
    '## 3. Latency (enqueue → handler start, idle)',
    '',
    `${result.method}.`,
    '',
    table(
      ['Mode', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'jobs', 'not started'],
      result.runs.map((run) => [
        run.label,
        number(run.latency.p50, 1),
        number(run.latency.p95, 1),
        number(run.latency.p99, 1),
        number(run.latency.max, 1),
        number(run.latency.count),
        number(run.missing),
      ]),
    ),
  ].join('\n');
}

function scalingSection(result: ScalingResult): string {
  const counts = [...new Set(result.runs.map((run) => run.instances))];
  const find = (instances: number, library: LibraryName) =>
    result.runs.find((run) => run.instances === instances && run.library === library);
  const cell = (run: ReturnType<typeof find>) =>
    run === undefined
      ? 'n/a'
      : `${number(run.jobsPerSecond)}${run.capped ? ` (${number(run.processed)} in ${number(run.seconds, 1)} s, cap)` : ''}`;
  const rows = counts.map((instances) => {
    const monque = find(instances, 'monque');
    const agenda = find(instances, 'agenda');
    return [
      String(instances),
      cell(monque),
      cell(agenda),
      monque && agenda ? times(ratio(monque.jobsPerSecond, agenda.jobsPerSecond)) : 'n/a',
      monque?.perInstance.join(' / ') ?? '',
      agenda?.perInstance.join(' / ') ?? '',
    ];
  });
  const first = result.runs[0];
  return [
    '## 4. Scaling (instances = processes)',
    '',
    `${number(first?.jobs)} due jobs per run, concurrency ${first?.concurrencyPerInstance ?? '?'} per instance.`,
    '',
    table(
      [
        'Instances',
        'Monque jobs/s',
        'Agenda jobs/s',
        'Monque ÷ Agenda',
        'Monque jobs per instance',
        'Agenda jobs per instance',
      ],
      rows,
    ),
  ].join('\n');
}

function phaseRows(
  runs: readonly { counts: CommandCounts; divisor: number }[],
  phases: readonly Phase[],
): string[][] {
  return phases
    .filter((phase) => runs.some((run) => run.counts.byPhase[phase] > 0))
    .map((phase) => [
      phase,
      ...runs.map(
        (run) =>
          `${number(run.counts.byPhase[phase] / Math.max(1, run.divisor), 3)} (${number(run.counts.byPhase[phase])})`,
      ),
    ]);
}

function costSection(result: CostResult): string {
  const runs = result.jobs;
  const header = ['Phase', ...runs.map((run) => `${libraryLabel(run.library)} per job (count)`)];
  const enqueueRows = phaseRows(
    runs.map((run) => ({ counts: run.enqueue, divisor: run.jobs })),
    PHASES,
  );
  const processingRows = phaseRows(
    runs.map((run) => ({ counts: run.processing, divisor: run.processed })),
    PHASES,
  );
  const totals = [
    'total',
    ...runs.map(
      (run) => `**${perJob(run.processing, run.processed)}** (${number(run.processing.total)})`,
    ),
  ];
  const idleRows = result.idle.map((run) => [
    run.label,
    number(run.commandsPerSecond, 2),
    number(run.emptyPollsPerInterval, 2),
    Object.entries(run.commands.byCommand)
      .map(([name, count]) => `${name} ${count}`)
      .join(', '),
  ]);
  return [
    '## 5. Cost per job (database commands, driver command monitoring)',
    '',
    `${runs.map((run) => `${libraryLabel(run.library)}: ${number(run.processed)}/${number(run.jobs)} jobs in ${number(run.processingSeconds, 1)} s`).join('; ')}.`,
    '',
    'Adding the jobs (one by one):',
    '',
    table(header, enqueueRows),
    '',
    'Processing them (concurrency ' +
      `${runs[0]?.settings.concurrency ?? '?'}, queue full — saturation):`,
    '',
    table(header, [...processingRows, totals]),
    '',
    `Idle instances (one worker, empty queue, ${number(result.idle[0]?.windowSeconds, 0)} s, side by side):`,
    '',
    table(['Instance', 'Commands/s', 'Empty polls per interval', 'Commands'], idleRows, 'lrrl'),
  ].join('\n');
}

function memorySection(result: MemoryResult): string {
  const mb = (bytes: number | undefined) => (bytes === undefined ? 'n/a' : number(bytes / MB, 1));
  return [
    `## 6. Memory (own process, forced GC; jobs in rounds of ${number(result.batch)})`,
    '',
    table(
      [
        'Library',
        'Jobs processed',
        'Heap MB: start / checkpoint / end',
        'RSS MB: start / checkpoint / end',
        'Heap growth MB',
        'RSS growth MB',
        `Projected heap growth to ${number(result.totalJobs)}`,
      ],
      result.runs.map((run) => [
        libraryLabel(run.library),
        `${number(run.final.jobsProcessed)}${run.stalled === null ? (run.capped ? ' (time cap)' : '') : ` (stalled: ${run.stalled})`}`,
        `${mb(run.baseline.heapUsed)} / ${mb(run.checkpoint?.heapUsed)} / ${mb(run.final.heapUsed)}`,
        `${mb(run.baseline.rss)} / ${mb(run.checkpoint?.rss)} / ${mb(run.final.rss)}`,
        run.heapGrowthMB === null
          ? 'n/a'
          : `${number(run.heapGrowthMB, 2)} (${number(run.checkpoint?.jobsProcessed)} → ${number(run.final.jobsProcessed)})`,
        run.rssGrowthMB === null ? 'n/a' : number(run.rssGrowthMB, 2),
        run.capped && run.heapGrowthProjectedMB !== null
          ? number(run.heapGrowthProjectedMB, 2)
          : '',
      ]),
    ),
  ].join('\n');
}

function settingsSection(results: BenchResults): string {
  return [
    '## Settings',
    '',
    '- Monque: defaults (change stream; backup poll 10 s; heartbeat 10 s), worker concurrency = the tested concurrency. Polling mode withholds the change stream as on a standalone server.',
    `- Agenda: MongoBackend, processEvery ${AGENDA_PROCESS_EVERY_MS} ms, defaultConcurrency = maxConcurrency = the tested concurrency (× job names), defaultLockLimit = max(50, 10 × concurrency), lockLimit 0 (unlimited). Latency also runs Agenda with its MongoChangeStreamNotificationChannel (processEvery 5 s).`,
    '- Jobs are seeded with one enqueue through the library and copies of the document it wrote (Scenario 2, 4); Scenario 1 and 5 enqueue every job through the public API.',
    '- Runs with a time cap measure jobs/s over the cap with the rest of the queue still due.',
    `- Sizes: \`${JSON.stringify(results.settings)}\``,
  ].join('\n');
}

function profileSection(results: BenchResults): string {
  if (results.profiles.length === 0) {
    return '';
  }
  return results.profiles
    .map((profile) =>
      [
        `## CPU profile: ${profile.process}, top self time (of ${number(profile.totalMs)} ms)`,
        '',
        table(
          ['Function', 'Self ms', '%'],
          profile.top.map((entry) => [
            `\`${entry.frame}\``,
            number(entry.selfMs),
            number(entry.percent, 1),
          ]),
        ),
      ].join('\n'),
    )
    .join('\n\n');
}

function header(results: BenchResults): string {
  const { machine, versions, substrate } = results;
  const load = `load average ${machine.loadAverageAtStart.toFixed(2)} at start, ${(machine.loadAverageAtEnd ?? 0).toFixed(2)} at end`;
  return [
    `# Monque vs Agenda — benchmark results (${results.mode})`,
    '',
    `- Run: ${results.startedAt}, ${number(results.durationSeconds)} s`,
    `- Machine: ${machine.cpuModel}, ${machine.cores} cores, ${number(machine.memoryGiB, 1)} GiB, ${machine.os}, Node ${machine.node} (${load})`,
    `- Substrate: ${substrate.description}`,
    `- Versions: ${Object.entries(versions)
      .map(([name, version]) => `${name} ${version}`)
      .join(', ')}`,
    ...(results.note === null ? [] : [`- Note: ${results.note}`]),
    ...(results.warnings.length === 0
      ? []
      : [
          `- Warnings: ${results.warnings.length} (${[...new Set(results.warnings)].slice(0, 3).join('; ')})`,
        ]),
    ...(results.failures.length === 0
      ? []
      : [
          `- **Failed scenarios:** ${results.failures.map((failure) => `${failure.scenario}: ${failure.message.split('\n')[0]}`).join('; ')}`,
        ]),
  ].join('\n');
}

function scenarioSections(scenarios: ScenarioResults): string[] {
  const sections: string[] = [];
  if (scenarios.enqueue) sections.push(enqueueSection(scenarios.enqueue));
  if (scenarios.processing) sections.push(processingSection(scenarios.processing));
  if (scenarios.latency) sections.push(latencySection(scenarios.latency));
  if (scenarios.scaling) sections.push(scalingSection(scenarios.scaling));
  if (scenarios.cost) sections.push(costSection(scenarios.cost));
  if (scenarios.memory) sections.push(memorySection(scenarios.memory));
  return sections;
}

/** The results as Markdown: header, targets, one section per scenario, settings, profiles. */
export function renderMarkdown(results: BenchResults): string {
  return `${[
    header(results),
    targetsSection(results.targets),
    ...scenarioSections(results.scenarios),
    settingsSection(results),
    profileSection(results),
  ]
    .filter((section) => section !== '')
    .join('\n\n')}\n`;
}
