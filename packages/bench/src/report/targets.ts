import { resolveMonqueOptions } from '@monque/core';
import type { ProfiledRun } from '../harness/worker-handle.js';
import type { LibraryName } from '../libraries/types.js';
import type { ScenarioResults, TargetResult } from '../results.js';
import type { ProcessingConfigResult } from '../scenarios/processing.js';
import { ratio, type Spread } from '../stats.js';
import type { ProfileSummary } from './profile.js';
import { latencyRows, type ProcessingRow, processingRows } from './summary.js';

const MONGO_LIBRARIES: readonly LibraryName[] = ['monque', 'agenda'];

/** How busy the machine was, for telling a slow library from a starved one. */
export interface MachineLoad {
  readonly cores: number;
  /** Mean 1-minute load average over the run. */
  readonly loadMean: number;
}

function unknown(id: string, description: string, threshold: string, why: string): TargetResult {
  return { id, description, threshold, measured: 'n/a', met: null, detail: why };
}

function fmt(value: number, digits = 2): string {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}

/** `median (min–max)`. */
export function spreadText(value: Spread, digits = 2, scale = 1): string {
  return `${fmt(value.median * scale, digits)} (${fmt(value.min * scale, digits)}–${fmt(value.max * scale, digits)})`;
}

function percent(value: number): string {
  return `${Math.round(value * 100)} %`;
}

function packages(profile: ProfileSummary | null | undefined, count = 4): string {
  if (profile === null || profile === undefined) {
    return '';
  }
  return profile.byPackage
    .slice(0, count)
    .map((entry) => `${entry.name} ${entry.percent} %`)
    .join(', ');
}

/**
 * What limits a library in a configuration, read from the measurements: a server busy most of
 * the run limits it, else a worker event loop busy most of the run, else neither was busy and
 * the time went to waiting on round trips; with the CPU profile of the extra profiled run.
 */
export function limiter(
  row: ProcessingRow,
  profile: ProfiledRun | undefined,
  machine: MachineLoad | undefined,
): string {
  const server = row.serverBusy?.median ?? Number.NaN;
  const loop = row.workerLoopBusy.median;
  const where =
    server >= 0.85
      ? `the server: its process was busy ${percent(server)} of the run (one core)`
      : loop >= 0.85
        ? `the client: the worker's event loop was busy ${percent(loop)} of the run`
        : `waiting on round trips: worker event loop ${percent(loop)} busy, server ${Number.isFinite(server) ? percent(server) : 'n/a'} busy, ${fmt(row.requestsPerJob.median)} requests per job`;
  const workerProfile = packages(profile?.worker);
  const serverProfile = packages(profile?.server);
  const oversubscribed =
    machine !== undefined && machine.loadMean > machine.cores
      ? `; the machine was oversubscribed (mean load ${fmt(machine.loadMean, 1)} on ${machine.cores} cores), so part of each wait was a wait for a CPU`
      : '';
  return (
    `limited by ${where}` +
    `; the store's round trip took ${fmt(row.roundTripMs.median, 2)} ms (median ping right after the run)` +
    oversubscribed +
    (workerProfile === '' ? '' : `; worker CPU profile: ${workerProfile}`) +
    (serverProfile === '' ? '' : `; server CPU profile: ${serverProfile}`)
  );
}

interface ConfigView {
  readonly result: ProcessingConfigResult;
  readonly monque: ProcessingRow | undefined;
  readonly agenda: ProcessingRow | undefined;
  readonly profile: (library: LibraryName) => ProfiledRun | undefined;
}

function view(results: ScenarioResults, id: string): ConfigView | undefined {
  const result = results.processing?.configs.find((entry) => entry.config.id === id);
  if (result === undefined) {
    return undefined;
  }
  const rows = processingRows(result, MONGO_LIBRARIES);
  return {
    result,
    monque: rows.find((row) => row.library === 'monque'),
    agenda: rows.find((row) => row.library === 'agenda'),
    profile: (library) => result.profiles.find((entry) => entry.library === library),
  };
}

function throughputTarget(
  results: ScenarioResults,
  machine: MachineLoad | undefined,
  id: string,
  configId: string,
  minimum: number,
  what: string,
): TargetResult {
  const description = `Processing, ${what}, concurrency 10: Monque ÷ Agenda, steady jobs/s (same store)`;
  const threshold = `≥ ${minimum}×`;
  const v = view(results, configId);
  if (v?.monque === undefined || v.agenda === undefined) {
    return unknown(id, description, threshold, `${configId} did not run for both`);
  }
  const measured = ratio(v.monque.steadyJobsPerSecond.median, v.agenda.steadyJobsPerSecond.median);
  const perRepetition = v.monque.steadyJobsPerSecond.values.map((value, index) =>
    ratio(value, v.agenda?.steadyJobsPerSecond.values[index] ?? Number.NaN),
  );
  const finite = perRepetition.filter((value) => Number.isFinite(value));
  const met = measured >= minimum;
  return {
    id,
    description,
    threshold,
    measured: `${fmt(measured)}×`,
    met,
    detail:
      `medians: Monque ${fmt(v.monque.steadyJobsPerSecond.median, 0)} jobs/s, Agenda ${fmt(v.agenda.steadyJobsPerSecond.median, 0)} jobs/s; ` +
      `per repetition ${fmt(Math.min(...finite))}–${fmt(Math.max(...finite))}×; ` +
      (met
        ? 'met'
        : `missed by ${fmt(minimum / measured)}× (Monque needs ${fmt((minimum / measured - 1) * 100, 0)} % more); ${limiter(v.monque, v.profile('monque'), machine)}`),
  };
}

function requestsTarget(
  results: ScenarioResults,
  id: string,
  configId: string,
  maximum: number,
  what: string,
): TargetResult {
  const description = `Monque requests to the store per processed job, ${what}, concurrency 10, standing queue`;
  const threshold = `≤ ${maximum}`;
  const v = view(results, configId);
  if (v?.monque === undefined) {
    return unknown(id, description, threshold, `${configId} did not run`);
  }
  const measured = v.monque.requestsPerJob.median;
  const commands = commandsPerJob(v.monque);
  const met = measured <= maximum;
  return {
    id,
    description,
    threshold,
    measured: fmt(measured),
    met,
    detail:
      `${spreadText(v.monque.requestsPerJob)} over ${v.monque.runs} runs, counted by the store; per job: ${commands}` +
      (v.agenda === undefined ? '' : `; Agenda ${fmt(v.agenda.requestsPerJob.median)}`) +
      (met ? '; met' : `; ${fmt(measured / maximum)}× the target`),
  };
}

function ceilingTarget(
  results: ScenarioResults,
  machine: MachineLoad | undefined,
  id: string,
  configId: string,
  what: string,
): TargetResult {
  const description = `Monque slot utilization with ${what} handlers, concurrency 10 (Σ handler time ÷ slots × time)`;
  const threshold = '≥ 80 %';
  const v = view(results, configId);
  if (v?.monque?.slotUtilization === undefined || v.monque.slotUtilization === null) {
    return unknown(id, description, threshold, `${configId} did not run`);
  }
  const utilization = v.monque.slotUtilization;
  const met = utilization.median >= 0.8;
  const ceiling = (10 * 1000) / v.monque.handlerMeanMs.median;
  return {
    id,
    description,
    threshold,
    measured: percent(utilization.median),
    met,
    detail:
      `${spreadText(utilization, 0, 100)} %; ceiling 10 ÷ ${fmt(v.monque.handlerMeanMs.median)} ms = ${fmt(ceiling, 0)} jobs/s, ` +
      `steady ${fmt(v.monque.steadyJobsPerSecond.median, 0)} jobs/s` +
      (v.agenda?.slotUtilization ? `; Agenda ${percent(v.agenda.slotUtilization.median)}` : '') +
      (met
        ? '; met'
        : `; missed by ${Math.round((0.8 - utilization.median) * 100)} points: each job's slot sat ` +
          `${fmt(v.monque.idleSlotMsPerJob?.median ?? Number.NaN, 1)} ms without a handler on top of the handler's ` +
          `${fmt(v.monque.handlerMeanMs.median, 1)} ms (${fmt((v.monque.idleSlotMsPerJob?.median ?? Number.NaN) / v.monque.roundTripMs.median, 1)} × the store's median ping right after the run) ` +
          `(requests per job: ${commandsPerJob(v.monque)}); ${limiter(v.monque, v.profile('monque'), machine)}`),
  };
}

/** The top requests per job by command. */
function commandsPerJob(row: ProcessingRow, count = 5): string {
  return Object.entries(row.requestsByCommand)
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([command, perJob]) => `${command} ${fmt(perJob, 3)}`)
    .join(', ');
}

function cpuTarget(results: ScenarioResults): TargetResult {
  const description =
    "Monque client CPU per processed job ≤ Agenda's ÷ 3 (worker process, no-op, concurrency 10)";
  const threshold = '≤ ⅓ of Agenda';
  const v = view(results, 'noop-c10');
  if (v?.monque === undefined || v.agenda === undefined) {
    return unknown('cpu-per-job', description, threshold, 'noop-c10 did not run for both');
  }
  const share = ratio(v.monque.cpuUsPerJob.median, v.agenda.cpuUsPerJob.median);
  const met = share <= 1 / 3;
  const async = view(results, 'async5-c10');
  return {
    id: 'cpu-per-job',
    description,
    threshold,
    measured: `${fmt(share * 100, 0)} % of Agenda`,
    met,
    detail:
      `Monque ${spreadText(v.monque.cpuUsPerJob, 0)} µs, Agenda ${spreadText(v.agenda.cpuUsPerJob, 0)} µs per job` +
      (async?.monque && async.agenda
        ? `; async 5 ms: Monque ${fmt(async.monque.cpuUsPerJob.median, 0)} µs, Agenda ${fmt(async.agenda.cpuUsPerJob.median, 0)} µs`
        : '') +
      (met
        ? '; met'
        : `; missed: Monque needs ${fmt(v.monque.cpuUsPerJob.median - v.agenda.cpuUsPerJob.median / 3, 0)} µs less per job; ` +
          `worker CPU profile: ${packages(v.profile('monque')?.worker, 6) || 'not profiled'}`),
  };
}

function latencyTargets(results: ScenarioResults): TargetResult[] {
  const hot = results.latency?.modes.find((mode) => mode.mode.id === 'hot-name');
  const rotating = results.latency?.modes.find((mode) => mode.mode.id === 'rotating-names');
  const p99 = {
    id: 'latency-p99-hot',
    description: 'Enqueue → start p99, Monque, one hot job name, idle',
    threshold: '≤ 50 ms',
  };
  const p50 = {
    id: 'latency-p50-hot',
    description: 'Enqueue → start p50, Monque, one hot job name, idle',
    threshold: '≤ 10 ms',
  };
  const row = hot === undefined ? undefined : latencyRows(hot.runs, ['monque'])[0];
  if (row === undefined || row.pooled.count === 0) {
    return [
      unknown(p99.id, p99.description, p99.threshold, 'the latency scenario did not run'),
      unknown(p50.id, p50.description, p50.threshold, 'the latency scenario did not run'),
    ];
  }
  const rotatingRow =
    rotating === undefined ? undefined : latencyRows(rotating.runs, ['monque'])[0];
  const cause =
    rotatingRow === undefined
      ? ''
      : `; with jobs rotating over ${rotating?.mode.names} names: p50 ${fmt(rotatingRow.pooled.p50, 1)} ms, p99 ${fmt(rotatingRow.pooled.p99, 1)} ms`;
  const base = `pooled over ${row.runs} runs (${row.pooled.count} jobs, ${row.notStarted} not started)`;
  return [
    {
      ...p99,
      measured: `${fmt(row.pooled.p99, 1)} ms`,
      met: row.pooled.p99 <= 50 && row.notStarted === 0,
      detail: `${base}; per run ${fmt(row.p99.min, 1)}–${fmt(row.p99.max, 1)} ms${row.pooled.p99 <= 50 ? '' : `; missed by ${fmt(row.pooled.p99 - 50, 1)} ms${cause}`}`,
    },
    {
      ...p50,
      measured: `${fmt(row.pooled.p50, 1)} ms`,
      met: row.pooled.p50 <= 10 && row.notStarted === 0,
      detail: `${base}; per run ${fmt(row.p50.min, 1)}–${fmt(row.p50.max, 1)} ms${row.pooled.p50 <= 10 ? '' : `; missed by ${fmt(row.pooled.p50 - 10, 1)} ms${cause}`}`,
    },
  ];
}

function idleTarget(results: ScenarioResults): TargetResult {
  const id = 'idle-polls';
  const description =
    'Monque at idle (change stream): polling queries (find) per backupPollInterval';
  const threshold = '≤ 1';
  const run = results.idle?.runs.find((entry) => entry.library === 'monque');
  if (run === undefined) {
    return unknown(id, description, threshold, 'the idle scenario did not run');
  }
  const interval = resolveMonqueOptions().backupPollInterval;
  const intervals = (run.windowSeconds * 1000) / interval;
  const finds = run.requests.byCommand.find ?? 0;
  const detail =
    `${finds} find in ${fmt(run.windowSeconds, 1)} s = ${fmt(intervals, 1)} intervals of ${interval} ms; ` +
    `all requests ${fmt(run.requests.total / run.windowSeconds)}/s (${Object.entries(
      run.requests.byCommand,
    )
      .map(([command, count]) => `${command} ${count}`)
      .join(', ')})`;
  if (intervals < 2) {
    return {
      id,
      description,
      threshold,
      measured: 'n/a',
      met: null,
      detail: `window too short to tell: ${detail}`,
    };
  }
  const perInterval = finds / intervals;
  return { id, description, threshold, measured: fmt(perInterval), met: perInterval <= 1, detail };
}

/** Cross-instance cancel latency: change stream ≤ 1 s p99, polling within one heartbeat. */
function cancelTargets(results: ScenarioResults): TargetResult[] {
  const modes = [
    { notify: 'change-stream', id: 'cancel-p99-stream', what: 'owner on its change stream' },
    { notify: 'polling', id: 'cancel-p99-polling', what: 'owner polling' },
  ] as const;
  return modes.map(({ notify, id, what }) => {
    const description = `Cancel on another instance → handler's signal aborted, p99, ${what}`;
    const mode = results.cancel?.modes.find((entry) => entry.notify === notify);
    const bound = notify === 'polling' ? (mode?.heartbeatInterval ?? Number.NaN) : 1000;
    const threshold =
      notify === 'polling' ? `≤ heartbeatInterval (${fmt(bound, 0)} ms)` : '≤ 1000 ms';
    if (mode === undefined || mode.pooled.count === 0) {
      return unknown(id, description, threshold, 'the cancel scenario did not run');
    }
    const missed = mode.runs.reduce((sum, run) => sum + run.missed, 0);
    const errors = mode.runs.reduce((sum, run) => sum + run.errors.length, 0);
    const jobs = mode.runs.reduce((sum, run) => sum + run.latencies.length + run.missed, 0);
    const cancelled = mode.runs.reduce((sum, run) => sum + run.cancelled, 0);
    const met = mode.pooled.p99 <= bound && missed === 0 && errors === 0 && cancelled === jobs;
    return {
      id,
      description,
      threshold,
      measured: `${fmt(mode.pooled.p99, 1)} ms (p50 ${fmt(mode.pooled.p50, 1)} ms)`,
      met,
      detail:
        `pooled over ${mode.runs.length} runs, ${mode.pooled.count} cancels: p50 ${fmt(mode.pooled.p50, 1)} ms, ` +
        `p95 ${fmt(mode.pooled.p95, 1)} ms, p99 ${fmt(mode.pooled.p99, 1)} ms, max ${fmt(mode.pooled.max, 1)} ms; ` +
        `${missed} not aborted by the cancel, ${cancelled} of ${jobs} written cancelled, ${errors} errors`,
    };
  });
}

/** Every target, as far as this run can tell (`machine`: to tell a starved run). */
export function evaluateTargets(results: ScenarioResults, machine?: MachineLoad): TargetResult[] {
  return [
    throughputTarget(results, machine, 'throughput-noop', 'noop-c10', 5, 'no-op handlers'),
    throughputTarget(results, machine, 'throughput-async', 'async5-c10', 2, 'async ~5 ms handlers'),
    requestsTarget(results, 'requests-noop', 'noop-c10', 0.5, 'no-op handlers'),
    requestsTarget(results, 'requests-async', 'async5-c10', 1.5, 'async ~5 ms handlers'),
    ceilingTarget(results, machine, 'ceiling-async5', 'async5-c10', 'async ~5 ms'),
    ceilingTarget(results, machine, 'ceiling-async50', 'async50-c10', 'async ~50 ms'),
    ...latencyTargets(results),
    cpuTarget(results),
    idleTarget(results),
    ...cancelTargets(results),
  ];
}
