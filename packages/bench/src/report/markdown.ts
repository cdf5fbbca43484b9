import { MANAGEMENT_OPERATIONS } from '../libraries/monque-management.js';
import { AGENDA_PROCESS_EVERY_MS, PGBOSS_POLLING_INTERVAL_SECONDS } from '../libraries/tuning.js';
import { type LibraryName, libraryLabel } from '../libraries/types.js';
import type { BenchResults, TargetResult } from '../results.js';
import { FLOW_GROUPS, type ProcessingConfig } from '../settings.js';
import { distribution, type Spread } from '../stats.js';
import { HANDLER_DESCRIPTIONS } from '../workloads.js';
import type { ProfileSummary } from './profile.js';
import {
  allWarnings,
  enqueueRows,
  isClean,
  latencyRows,
  libraryErrors,
  managementRows,
  type ProcessingRow,
  processingRows,
} from './summary.js';

/** A table cell's text with its pipes escaped, so that text such as SQL's `||` stays one cell. */
export function tableCell(text: string): string {
  return text.replaceAll('|', '\\|');
}

/**
 * A Markdown table with padded columns; `align` has one letter per column, `l` or `r` (default:
 * `l` then `r`s). Pipes in the cells are escaped.
 */
export function table(
  header: readonly string[],
  givenRows: readonly (readonly string[])[],
  align = `l${'r'.repeat(header.length - 1)}`,
): string {
  const rows = givenRows.map((row) => row.map(tableCell));
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

function num(value: number | undefined, digits = 0): string {
  if (value === undefined || !Number.isFinite(value)) {
    return 'n/a';
  }
  return value.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/** `median (min–max)`, or the one value of a single repetition. */
function cell(value: Spread | null | undefined, digits = 0, scale = 1): string {
  if (value === null || value === undefined || !Number.isFinite(value.median)) {
    return 'n/a';
  }
  if (value.values.length <= 1 || value.min === value.max) {
    return num(value.median * scale, digits);
  }
  return `${num(value.median * scale, digits)} (${num(value.min * scale, digits)}–${num(value.max * scale, digits)})`;
}

function pct(value: Spread | null | undefined): string {
  return value === null || value === undefined ? 'n/a' : `${cell(value, 0, 100)} %`;
}

function verdict(target: TargetResult): string {
  return target.met === null ? '— (n/a)' : target.met ? '**met**' : '**not met**';
}

function storeOf(results: BenchResults, library: LibraryName): string {
  return results.libraries.find((entry) => entry.library === library)?.storeLabel ?? '?';
}

function librariesOf(results: BenchResults): LibraryName[] {
  return results.libraries.map((entry) => entry.library);
}

/** What ran where: date, commit, cleanliness, machine and load, stores, versions. */
export function header(results: BenchResults): string {
  const { machine, load } = results;
  const warnings = allWarnings(results);
  const errors = libraryErrors(results);
  const clean = isClean(results);
  const lines = [
    `- Run: ${results.startedAt}, ${results.durationSeconds} s, \`${results.mode}\`${results.peers ? ' with `--peers`' : ''}, commit \`${results.commit}\``,
    `- Clean: ${clean ? 'yes (no failure, no library error, no warning or unhandled error)' : `**no** — ${results.failures.length} failed scenario(s), ${errors} library error(s), ${warnings.reduce((sum, entry) => sum + entry.count, 0)} warning(s) or unhandled error(s) (listed below)`}`,
    `- Machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node}`,
    `- Load average (1 min, sampled every 5 s by the harness): ${num(load.atStart, 2)} at the start, ${num(load.atEnd, 2)} at the end, ${num(load.min, 2)}–${num(load.max, 2)} (mean ${num(load.mean, 2)}) over the run, on ${machine.cores} cores` +
      (load.max > machine.cores * 0.5 ? ' — the machine was shared with other work' : ''),
    ...results.stores.map((store) => `- Store: ${store.description}`),
    ...results.missingStores.map((store) => `- **Not run**: ${store.kind} — ${store.reason}`),
    `- Versions: ${Object.entries(results.versions)
      .map(([name, version]) => `${name} ${version}`)
      .join(', ')}`,
  ];
  if (results.note !== null) {
    lines.push(`- Note: ${results.note}`);
  }
  return lines.join('\n');
}

/** The table of store-independent costs, one row per library. */
export function summarySection(results: BenchResults): string {
  const processing = results.scenarios.processing;
  const rowsOf = (id: string): ProcessingRow[] => {
    const config = processing?.configs.find((entry) => entry.config.id === id);
    return config === undefined ? [] : processingRows(config, librariesOf(results));
  };
  const noop = rowsOf('noop-c10');
  const async = rowsOf('async5-c10');
  const hot = results.scenarios.latency?.modes.find((mode) => mode.mode.id === 'hot-name');
  const latency = hot === undefined ? [] : latencyRows(hot.runs, librariesOf(results));
  const rows = librariesOf(results).map((library) => {
    const n = noop.find((row) => row.library === library);
    const a = async.find((row) => row.library === library);
    const l = latency.find((row) => row.library === library);
    return [
      libraryLabel(library),
      cell(n?.requestsPerJob, 2),
      cell(a?.requestsPerJob, 2),
      cell(n?.cpuUsPerJob),
      cell(a?.cpuUsPerJob),
      l === undefined ? 'n/a' : `${num(l.pooled.p50, 1)} / ${num(l.pooled.p99, 1)}`,
      storeOf(results, library),
      cell(n?.steadyJobsPerSecond),
    ];
  });
  return [
    '## Summary: costs that do not depend on the store',
    '',
    `Median (min–max) of ${results.settings.repetitions} repetition(s); concurrency 10, one job name, a standing queue. ` +
      "Requests are counted by each store itself; client CPU is the worker process's `process.cpuUsage()` per processed job. " +
      'Jobs/s depends on the store (each library runs on its own), so it comes last, with the store named.',
    '',
    table(
      [
        'Library',
        'Requests/job, no-op',
        'Requests/job, async 5 ms',
        'Client CPU µs/job, no-op',
        'Client CPU µs/job, async 5 ms',
        'Enqueue → start p50 / p99 ms, hot name',
        'Store',
        'Jobs/s no-op (store-bound)',
      ],
      rows,
      'lrrrrrlr',
    ),
  ].join('\n');
}

/** The targets table with the detail of each. */
export function targetsSection(targets: readonly TargetResult[]): string {
  return [
    '## Targets',
    '',
    'Computed by the harness from this run: Monque against Agenda on the same store, medians of the repetitions.',
    '',
    table(
      ['Target', 'Threshold', 'Measured', 'Result'],
      targets.map((target) => [
        target.description,
        target.threshold,
        target.measured,
        verdict(target),
      ]),
      'llrl',
    ),
    '',
    ...targets.map((target) => `- **${target.id}** (${verdict(target)}): ${target.detail}`),
  ].join('\n');
}

function configTitle(config: ProcessingConfig): string {
  const names = config.names === 1 ? 'one job name' : `${config.names} job names`;
  const flow =
    config.flow === 'priorities'
      ? ', priorities 0–9 (Monque only)'
      : config.flow === 'groups'
        ? `, ${FLOW_GROUPS} groups with groupConcurrency 1 (Monque only)`
        : '';
  return `${config.id}: ${HANDLER_DESCRIPTIONS[config.handler]}, ${names}, concurrency ${config.concurrency}${config.names > 1 ? ' per name' : ''}, ${num(config.jobs)} due jobs${flow}`;
}

function topCommands(row: ProcessingRow): string {
  return Object.entries(row.requestsByCommand)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([command, perJob]) => `\`${command.replaceAll('`', "'")}\` ${perJob.toFixed(3)}`)
    .join(', ');
}

function processingSection(results: BenchResults): string | undefined {
  const processing = results.scenarios.processing;
  if (processing === undefined) return undefined;
  const parts = [
    '## Processing',
    '',
    `A standing queue of due jobs, one instance, until every job has its outcome written or ${num(processing.timeCapMs / 1000, 1)} s have passed. ` +
      'Steady jobs/s: between the outcomes of 10 % and 90 % of the processed jobs (no start-up, no tail); overall: processed ÷ time from start() to the last outcome. ' +
      "Slot utilization: Σ handler time ÷ (slots × time) at the steady rate. Busy: event-loop utilization of the worker; server CPU time ÷ wall time (1 core = 100 %). Round trip: median of a few pings on the library's connection right after the run.",
  ];
  for (const result of processing.configs) {
    const rows = processingRows(result, librariesOf(results));
    parts.push(
      '',
      `### ${configTitle(result.config)}`,
      '',
      table(
        [
          'Library',
          'Store',
          'Steady jobs/s',
          'Overall jobs/s',
          'Processed',
          'Requests/job',
          'Client CPU µs/job',
          'Server CPU µs/job',
          'Worker busy',
          'Server busy',
          'Slot utilization',
          'Round trip ms',
        ],
        rows.map((row) => [
          libraryLabel(row.library),
          storeOf(results, row.library),
          cell(row.steadyJobsPerSecond),
          cell(row.jobsPerSecond),
          `${cell(row.processed)}${row.cappedRuns > 0 ? ` (cap ×${row.cappedRuns})` : ''}`,
          cell(row.requestsPerJob, 2),
          cell(row.cpuUsPerJob),
          cell(row.serverCpuUsPerJob),
          pct(row.workerLoopBusy),
          pct(row.serverBusy),
          pct(row.slotUtilization),
          cell(row.roundTripMs, 2),
        ]),
        'llrrrrrrrrrr',
      ),
      '',
      ...rows.map(
        (row) =>
          `- ${libraryLabel(row.library)} requests per job: ${topCommands(row)}${row.errors + row.warnings > 0 ? ` — ${row.errors} error(s), ${row.warnings} warning(s)` : ''}`,
      ),
    );
    if (result.config.handler === 'cpu') {
      parts.push(
        `- The handler's own CPU, measured alone in each worker: ${Object.entries(
          processing.handlerCpuUs,
        )
          .map(([library, micros]) => `${library} ${num(micros)} µs`)
          .join(', ')} per call (included in client CPU above).`,
      );
    }
  }
  return parts.join('\n');
}

function latencySection(results: BenchResults): string | undefined {
  const latency = results.scenarios.latency;
  if (latency === undefined) return undefined;
  const parts = ['## Latency (enqueue → handler start, idle instance)', '', `${latency.method}.`];
  for (const mode of latency.modes) {
    const rows = latencyRows(mode.runs, librariesOf(results));
    parts.push(
      '',
      `### ${mode.mode.id === 'hot-name' ? 'All jobs of one job name' : `Jobs rotating over ${mode.mode.names} job names`}`,
      '',
      table(
        [
          'Library',
          'Store',
          'p50 ms',
          'p95 ms',
          'p99 ms',
          'max ms',
          'p99 per run',
          'Jobs',
          'Not started',
          'Requests/job',
          'Client CPU µs/job',
        ],
        rows.map((row) => [
          libraryLabel(row.library),
          storeOf(results, row.library),
          num(row.pooled.p50, 1),
          num(row.pooled.p95, 1),
          num(row.pooled.p99, 1),
          num(row.pooled.max, 1),
          cell(row.p99, 1),
          num(row.pooled.count),
          num(row.notStarted),
          cell(row.requestsPerJob, 2),
          cell(row.cpuUsPerJob),
        ]),
        'llrrrrrrrrr',
      ),
    );
  }
  return parts.join('\n');
}

function cancelSection(results: BenchResults): string | undefined {
  const cancel = results.scenarios.cancel;
  if (cancel === undefined) return undefined;
  return [
    "## Cancel (cancelJob on another instance → the handler's signal aborted, Monque)",
    '',
    `${cancel.method}.`,
    '',
    table(
      [
        'Owner learns by',
        'Owner heartbeat ms',
        'Cancels',
        'p50 ms',
        'p95 ms',
        'p99 ms',
        'max ms',
        'p99 per run',
        'Not aborted',
        'Written cancelled',
        'Errors',
      ],
      cancel.modes.map((mode) => [
        mode.notify === 'polling' ? 'polling (heartbeat)' : 'change stream',
        num(mode.heartbeatInterval),
        num(mode.pooled.count),
        num(mode.pooled.p50, 1),
        num(mode.pooled.p95, 1),
        num(mode.pooled.p99, 1),
        num(mode.pooled.max, 1),
        mode.runs.map((run) => num(distribution(run.latencies).p99, 1)).join(', '),
        num(mode.runs.reduce((sum, run) => sum + run.missed, 0)),
        num(mode.runs.reduce((sum, run) => sum + run.cancelled, 0)),
        num(mode.runs.reduce((sum, run) => sum + run.errors.length, 0)),
      ]),
      'lrrrrrrrrrr',
    ),
  ].join('\n');
}

function enqueueSection(results: BenchResults): string | undefined {
  const enqueue = results.scenarios.enqueue;
  if (enqueue === undefined) return undefined;
  const libraries = librariesOf(results);
  const one = enqueueRows(enqueue.oneByOne, libraries);
  const bulk = enqueueRows(enqueue.bulk, libraries);
  const rows: string[][] = [];
  for (const library of libraries) {
    const o = one.find((row) => row.library === library);
    if (o !== undefined) {
      rows.push([
        libraryLabel(library),
        'one by one (awaited)',
        num(o.jobs),
        cell(o.jobsPerSecond),
        cell(o.requestsPerJob, 2),
        cell(o.cpuUsPerJob),
      ]);
    }
    const b = bulk.find((row) => row.library === library);
    if (b !== undefined) {
      rows.push([
        libraryLabel(library),
        `bulk (calls of ${num(enqueue.bulkSize)})`,
        num(b.jobs),
        cell(b.jobsPerSecond),
        cell(b.requestsPerJob, 2),
        cell(b.cpuUsPerJob),
      ]);
    } else if (enqueue.noBulk[library] !== undefined) {
      rows.push([libraryLabel(library), 'bulk', '', `none: ${enqueue.noBulk[library]}`, '', '']);
    }
  }
  return [
    '## Enqueue',
    '',
    table(
      ['Library', 'Method', 'Jobs', 'Jobs/s', 'Requests/job', 'Client CPU µs/job'],
      rows,
      'llrrrr',
    ),
  ].join('\n');
}

function idleSection(results: BenchResults): string | undefined {
  const idle = results.scenarios.idle;
  if (idle === undefined) return undefined;
  return [
    '## Idle (one worker, empty queue)',
    '',
    table(
      ['Library', 'Store', 'Window s', 'Requests/s', 'Client CPU ms/s', 'Requests'],
      idle.runs.map((run) => [
        libraryLabel(run.library),
        storeOf(results, run.library),
        num(run.windowSeconds, 1),
        num(run.requests.total / run.windowSeconds, 2),
        num((run.worker.userUs + run.worker.systemUs) / 1000 / run.windowSeconds, 2),
        Object.entries(run.requests.byCommand)
          .map(([command, count]) => `${command} ${count}`)
          .join(', '),
      ]),
      'llrrrl',
    ),
  ].join('\n');
}

/**
 * Monque's management reads on a seeded queue: one row per operation, its calls pooled over the
 * repetitions. `heading` is the section's heading level (`##` in the report, `###` in a README).
 */
export function managementSection(results: BenchResults, heading = '##'): string | undefined {
  const management = results.scenarios.management;
  if (management === undefined) return undefined;
  const rows = managementRows(management);
  const store = storeOf(results, 'monque');
  return [
    `${heading} Management reads at ${num(management.jobs)} jobs (Monque)`,
    '',
    `A queue of ${num(management.jobs)} jobs over ${management.names} job names — 70 % completed, 15 % pending, 8 % failed, 4 % cancelled, 3 % processing, created over 7 days — seeded once (in ${num(management.seedSeconds, 1)} s, outside the measurements) and read through Monque's API on ${store}: each call timed on its own in the worker process, one after the other, after ${results.settings.management.warmupCalls} untimed call(s); nothing runs the jobs meanwhile. Latency includes the round trip to the store. p50, p95 and max pool every call of the ${management.runs.length} repetition(s); the last column is the median call of each repetition.`,
    '',
    table(
      ['Operation', 'Calls', 'p50 ms', 'p95 ms', 'max ms', 'Median per repetition ms'],
      rows.map((row) => [
        `${row.id}: ${MANAGEMENT_OPERATIONS[row.id] ?? ''}`,
        num(row.pooled.count),
        num(row.pooled.p50, 1),
        num(row.pooled.p95, 1),
        num(row.pooled.max, 1),
        cell(row.medianPerRun, 1),
      ]),
      'lrrrrr',
    ),
  ].join('\n');
}

function profileLines(profile: ProfileSummary): string[] {
  return [
    `  - ${profile.process}: ${profile.busyPercent} % busy over ${num(profile.totalMs)} ms; by package: ${
      profile.byPackage
        .slice(0, 6)
        .map((entry) => `${entry.name} ${entry.percent} %`)
        .join(', ') || 'nothing over 0.5 %'
    }`,
    `    top frames: ${profile.top
      .slice(0, 5)
      .map((frame) => `\`${frame.frame}\` ${frame.percent} %`)
      .join('; ')}`,
  ];
}

function profilesSection(results: BenchResults): string | undefined {
  const configs =
    results.scenarios.processing?.configs.filter((config) => config.profiles.length > 0) ?? [];
  if (configs.length === 0) return undefined;
  const parts = [
    '## CPU profiles',
    '',
    'One extra run per library of these configurations with V8 CPU profiles of the worker and, for the emulator, of the server (not part of the figures above; profiling slows them).',
  ];
  for (const config of configs) {
    parts.push('', `### ${config.config.id}`, '');
    for (const run of config.profiles) {
      const m = run.measurement;
      parts.push(
        `- ${libraryLabel(run.library)}${m.kind === 'processing' ? ` (${m.processed} jobs in ${num(m.seconds, 2)} s)` : ''}:`,
        ...(run.worker === null ? [] : profileLines(run.worker)),
        ...(run.server === null ? [] : profileLines(run.server)),
      );
    }
  }
  return parts.join('\n');
}

function warningsSection(results: BenchResults): string {
  const warnings = allWarnings(results);
  const lines = ['## Failures, errors and warnings', ''];
  if (results.failures.length === 0 && warnings.length === 0 && libraryErrors(results) === 0) {
    lines.push(
      'None: no scenario failed, no library reported an error, no process warned or left an error unhandled.',
    );
    return lines.join('\n');
  }
  for (const failure of results.failures) {
    lines.push(`- scenario **${failure.scenario}** failed: ${failure.message}`);
  }
  lines.push(`- library error events: ${libraryErrors(results)}`);
  for (const warning of warnings) {
    lines.push(`- ${warning.count} × ${warning.message}`);
  }
  return lines.join('\n');
}

function methodSection(results: BenchResults): string {
  const { settings } = results;
  return [
    '## Method',
    '',
    `- Every library runs in its own worker process (one per library for the whole run, as an application keeps its connections); each configuration runs ${settings.repetitions} time(s) per library, the order of the libraries alternating (as listed, then reversed), after one discarded warm-up run per library.`,
    '- Each run sets up its instance outside the measurement: indexes (Monque `initialize()`, Agenda `ready`), queues (BullMQ `waitUntilReady`, pg-boss `createQueue`) and the seeded jobs; the harness then waits until the store has answered no request for 300 ms before the worker starts the timer.',
    '- Seeding: Monque through `enqueueMany` with distinct `runAt` values 1 ms apart in the past; Agenda (no bulk API) one job through `now()` and copies of the document it wrote with distinct `nextRunAt` 1 ms apart; BullMQ `addBulk`; pg-boss `insert`.',
    `- Handlers: ${Object.values(HANDLER_DESCRIPTIONS).join('; ')}. The wait of each job is drawn from its sequence number, so every library gets the same waits.`,
    "- Requests: counted on the server side where the store can tell — the emulator reads the head of every request message it is sent (by command); PostgreSQL `pg_stat_statements` of pg-boss's role (one statement, one request); with `MONGODB_URI`, `serverStatus` command counters. Redis's own counters include every command a Lua script runs (BullMQ's work is Lua scripts), so for BullMQ the worker counts what its ioredis clients send: one per command, one per pipeline.",
    "- Client CPU: `process.cpuUsage()` of the worker process over the measurement (user + system), per processed job; it includes the driver and the handlers (the CPU-bound handler's own cost is shown with its table).",
    `- Settings: Monque defaults (change stream, backup poll 10 s, heartbeat 10 s), worker concurrency = the tested concurrency. Agenda: processEvery ${AGENDA_PROCESS_EVERY_MS} ms for a standing queue, its MongoChangeStreamNotificationChannel for latency, defaultConcurrency = the concurrency, defaultLockLimit = max(50, 10 × concurrency). BullMQ: one queue and one Worker per job name, concurrency = the tested concurrency. pg-boss 10: one queue and one work() per job name with batchSize = the concurrency (its batch runs at once), pollingIntervalSeconds ${PGBOSS_POLLING_INTERVAL_SECONDS} (its minimum).`,
    '- Jobs/s across different stores is not a fair ratio (the emulator is an in-process JavaScript server, Redis and PostgreSQL are native servers); the targets compare Monque with Agenda on the same store only.',
    '- Management (Monque only): the seeded jobs are written with `insertMany` of documents built by `createJobDocument` of `@monque/core/testing` (jobs in every status cannot be made through the scheduling API alone), with the fields Monque writes for each status; the reads go through the public API (`findJobs`, `getStats`).',
    `- Sizes: \`${JSON.stringify({ repetitions: settings.repetitions, processing: settings.processing.configs.map((config) => `${config.id}:${config.jobs}`), timeCapMs: settings.processing.timeCapMs, latency: settings.latency, enqueue: settings.enqueue, idle: settings.idle, cancel: settings.cancel, management: settings.management })}\``,
  ].join('\n');
}

/** The results as a Markdown report. */
export function renderMarkdown(results: BenchResults): string {
  const sections = [
    `# Benchmarks${results.mode === 'quick' ? ' (quick run)' : ''}`,
    header(results),
    summarySection(results),
    targetsSection(results.targets),
    processingSection(results),
    latencySection(results),
    enqueueSection(results),
    idleSection(results),
    cancelSection(results),
    managementSection(results),
    profilesSection(results),
    warningsSection(results),
    methodSection(results),
  ];
  return `${sections.filter((section): section is string => section !== undefined).join('\n\n')}\n`;
}
