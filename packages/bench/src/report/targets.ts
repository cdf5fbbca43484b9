import { PROCESSING_PHASES, sumPhases } from '../commands/phases.js';
import type { ScenarioResults, TargetResult } from '../results.js';
import { ratio } from '../stats.js';

function unknown(id: string, description: string, threshold: string, why: string): TargetResult {
  return { id, description, threshold, measured: 'n/a', met: null, detail: why };
}

function throughputTarget(results: ScenarioResults): TargetResult {
  const id = 'throughput-c10';
  const description = 'Processing throughput at concurrency 10, Monque ÷ Agenda (same run)';
  const threshold = '≥ 5×';
  const processing = results.processing;
  const runs =
    processing?.runs.filter(
      (run) => run.concurrency === 10 && run.jobs === processing.mainBacklog,
    ) ?? [];
  const monque = runs.find((run) => run.library === 'monque');
  const agenda = runs.find((run) => run.library === 'agenda');
  if (monque === undefined || agenda === undefined) {
    return unknown(id, description, threshold, 'processing at concurrency 10 did not run');
  }
  const measured = ratio(monque.jobsPerSecond, agenda.jobsPerSecond);
  return {
    id,
    description,
    threshold,
    measured: `${measured.toFixed(2)}×`,
    met: measured >= 5,
    detail:
      `Monque ${monque.jobsPerSecond.toFixed(0)} jobs/s vs Agenda ${agenda.jobsPerSecond.toFixed(0)} ` +
      `jobs/s${monque.capped || agenda.capped ? ' (time-capped runs)' : ''}; ` +
      `${measured >= 5 ? 'met' : `${(5 / measured).toFixed(1)}× short of the target`}`,
  };
}

function commandsTarget(results: ScenarioResults): TargetResult {
  const id = 'commands-per-job';
  const description =
    'Monque database commands per processed job at saturation (everything after enqueue)';
  const threshold = '≤ 0.5';
  const run = results.cost?.jobs.find((entry) => entry.library === 'monque');
  if (run === undefined || run.processed === 0) {
    return unknown(id, description, threshold, 'the cost scenario did not run');
  }
  const perJob = (phase: Parameters<typeof sumPhases>[1]) =>
    sumPhases(run.processing, phase) / run.processed;
  const measured = run.processing.total / run.processed;
  return {
    id,
    description,
    threshold,
    measured: measured.toFixed(2),
    met: measured <= 0.5,
    detail:
      `claim ${perJob(['claim']).toFixed(2)} + empty claims ${perJob(['emptyPoll']).toFixed(3)} + ` +
      `heartbeat ${perJob(['heartbeat']).toFixed(3)} + completion ${perJob(['completion']).toFixed(2)} + ` +
      `other ${perJob(PROCESSING_PHASES.filter((phase) => !['claim', 'emptyPoll', 'heartbeat', 'completion'].includes(phase))).toFixed(3)} ` +
      `per job over ${run.processed} jobs; ` +
      `${measured <= 0.5 ? 'met' : `${(measured / 0.5).toFixed(1)}× the target`}`,
  };
}

function idleTarget(results: ScenarioResults): TargetResult {
  const id = 'idle-empty-polls';
  const description =
    'Monque at idle (change stream): polling queries (empty claims + next-run lookups) per backupPollInterval';
  const threshold = '≤ 1';
  const run = results.cost?.idle.find(
    (entry) => entry.library === 'monque' && entry.settings.notify === 'change stream',
  );
  if (run === undefined) {
    return unknown(id, description, threshold, 'the idle measurement did not run');
  }
  const intervals = (run.windowSeconds * 1000) / run.pollIntervalMs;
  const { emptyPoll, lookup } = run.commands.byPhase;
  const perInterval = (emptyPoll + lookup) / intervals;
  const detail =
    `${emptyPoll} empty claims + ${lookup} lookups (find) in ${run.windowSeconds.toFixed(1)} s ` +
    `= ${intervals.toFixed(1)} intervals of ${run.pollIntervalMs} ms; ` +
    `all idle commands ${run.commandsPerSecond.toFixed(2)}/s`;
  if (intervals < 2) {
    return {
      id,
      description,
      threshold,
      measured: 'n/a',
      met: null,
      detail: `window too short: ${detail}`,
    };
  }
  return {
    id,
    description,
    threshold,
    measured: perInterval.toFixed(2),
    met: perInterval <= 1,
    detail,
  };
}

function latencyTargets(results: ScenarioResults): TargetResult[] {
  const run = results.latency?.runs.find(
    (entry) => entry.library === 'monque' && entry.notify === 'change-stream',
  );
  const p99 = {
    id: 'latency-p99',
    description: 'Enqueue → start p99, Monque with change stream, idle',
    threshold: '≤ 50 ms',
  };
  const p50 = {
    id: 'latency-p50',
    description: 'Enqueue → start p50, Monque with change stream, idle',
    threshold: '≤ 10 ms',
  };
  if (run === undefined || run.latency.count === 0) {
    return [
      unknown(p99.id, p99.description, p99.threshold, 'the latency scenario did not run'),
      unknown(p50.id, p50.description, p50.threshold, 'the latency scenario did not run'),
    ];
  }
  const detail = `${run.latency.count} jobs, ${run.missing} not started`;
  return [
    {
      ...p99,
      measured: `${run.latency.p99.toFixed(1)} ms`,
      met: run.latency.p99 <= 50 && run.missing === 0,
      detail,
    },
    {
      ...p50,
      measured: `${run.latency.p50.toFixed(1)} ms`,
      met: run.latency.p50 <= 10 && run.missing === 0,
      detail,
    },
  ];
}

function memoryTarget(results: ScenarioResults): TargetResult {
  const id = 'memory-growth';
  const description = 'Monque heap growth from 10 000 to 100 000 processed jobs (forced GC)';
  const threshold = '< 10 MB';
  const memory = results.memory;
  const run = memory?.runs.find((entry) => entry.library === 'monque');
  if (memory === undefined || run === undefined || run.heapGrowthMB === null) {
    return unknown(id, description, threshold, 'the memory scenario did not reach its checkpoint');
  }
  const span = `${run.checkpoint?.jobsProcessed ?? '?'} → ${run.final.jobsProcessed} jobs`;
  const rss = run.rssGrowthMB === null ? '' : `, RSS ${run.rssGrowthMB.toFixed(1)} MB`;
  if (!run.capped) {
    return {
      id,
      description: `Monque heap growth from ${memory.checkpointJobs} to ${memory.totalJobs} processed jobs (forced GC)`,
      threshold,
      measured: `${run.heapGrowthMB.toFixed(2)} MB`,
      met: run.heapGrowthMB < 10,
      detail: `heap ${run.heapGrowthMB.toFixed(2)} MB over ${span}${rss}`,
    };
  }
  const projected = run.heapGrowthProjectedMB ?? Number.NaN;
  return {
    id,
    description,
    threshold,
    measured: `${projected.toFixed(2)} MB (projected)`,
    met: projected < 10,
    detail:
      `time cap: measured ${run.heapGrowthMB.toFixed(2)} MB over ${span}${rss}, scaled linearly ` +
      `to ${memory.checkpointJobs} → ${memory.totalJobs}`,
  };
}

/** Every target of the issue, as far as this run can tell. */
export function evaluateTargets(results: ScenarioResults): TargetResult[] {
  return [
    throughputTarget(results),
    commandsTarget(results),
    idleTarget(results),
    ...latencyTargets(results),
    memoryTarget(results),
  ];
}
