import { databaseName, withDatabase } from '../database.js';
import { createQueue } from '../libraries/create-queue.js';
import type { BenchQueue, LibraryName, NotifyMode } from '../libraries/types.js';
import { progress } from '../progress.js';
import { type Distribution, distribution, seededRandom, sleep } from '../stats.js';
import type { ScenarioContext } from './context.js';

/** One way of learning about new jobs, measured. */
export interface LatencyRun {
  readonly library: LibraryName;
  readonly notify: NotifyMode;
  /** Poll interval (Monque polling mode) or `processEvery` (Agenda), in ms. */
  readonly pollIntervalMs: number | undefined;
  readonly label: string;
  readonly settings: Readonly<Record<string, string | number | boolean>>;
  /** Enqueue call → handler start, in ms. */
  readonly latency: Distribution;
  /** Jobs that had not started when the run ended. */
  readonly missing: number;
  readonly errors: number;
}

export interface LatencyResult {
  readonly runs: readonly LatencyRun[];
  readonly method: string;
}

interface Mode {
  readonly library: LibraryName;
  readonly notify: NotifyMode;
  readonly pollIntervalMs: number | undefined;
  readonly label: string;
}

function modes(pollIntervalMs: number): Mode[] {
  return [
    {
      library: 'monque',
      notify: 'change-stream',
      pollIntervalMs: undefined,
      label: 'Monque, change stream',
    },
    {
      library: 'monque',
      notify: 'polling',
      pollIntervalMs,
      label: `Monque, polling every ${pollIntervalMs} ms`,
    },
    {
      library: 'agenda',
      notify: 'polling',
      pollIntervalMs,
      label: `Agenda, processEvery ${pollIntervalMs} ms`,
    },
    {
      library: 'agenda',
      notify: 'change-stream',
      pollIntervalMs: undefined,
      label: 'Agenda, MongoChangeStreamNotificationChannel',
    },
  ];
}

/** Tracks handler starts by `seq`. */
class StartTracker {
  readonly #starts = new Map<number, number>();
  #waiting: { count: number; resolve: () => void } | undefined;

  record(seq: number): void {
    if (!this.#starts.has(seq)) {
      this.#starts.set(seq, performance.now());
    }
    if (this.#waiting !== undefined && this.#starts.size >= this.#waiting.count) {
      this.#waiting.resolve();
      this.#waiting = undefined;
    }
  }

  get(seq: number): number | undefined {
    return this.#starts.get(seq);
  }

  /** Resolves once `count` distinct jobs have started, or after `timeoutMs`. */
  async waitFor(count: number, timeoutMs: number): Promise<void> {
    if (this.#starts.size >= count) {
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => {
        this.#waiting = { count, resolve };
      }),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    this.#waiting = undefined;
  }
}

async function measureMode(
  queue: BenchQueue,
  names: readonly string[],
  context: ScenarioContext,
  tracker: StartTracker,
): Promise<{ latencies: number[]; missing: number }> {
  const { jobs, warmupJobs, minGapMs, maxGapMs, pollIntervalMs } = context.settings.latency;
  const settle = Math.max(5000, 5 * pollIntervalMs);
  // Warm-up jobs (negative seq), not counted.
  for (let index = 0; index < warmupJobs; index += 1) {
    await queue.enqueue(names[index % names.length] ?? '', -1 - index);
    await sleep(maxGapMs);
  }
  await tracker.waitFor(warmupJobs, settle);
  await sleep(2 * maxGapMs);
  const random = seededRandom(42);
  const enqueuedAt: number[] = [];
  for (let seq = 0; seq < jobs; seq += 1) {
    await sleep(minGapMs + random() * (maxGapMs - minGapMs));
    enqueuedAt.push(performance.now());
    await queue.enqueue(names[seq % names.length] ?? '', seq);
  }
  await tracker.waitFor(warmupJobs + jobs, settle);
  const latencies: number[] = [];
  let missing = 0;
  for (let seq = 0; seq < jobs; seq += 1) {
    const started = tracker.get(seq);
    const enqueued = enqueuedAt[seq];
    if (started === undefined || enqueued === undefined) {
      missing += 1;
    } else {
      latencies.push(started - enqueued);
    }
  }
  return { latencies, missing };
}

/**
 * Scenario 3: enqueue → handler start at idle. Jobs arrive open-loop with random gaps and rotate
 * over several job names, so each name sees a job only every `names × minGap` ms — longer than
 * Monque's 100 ms per-name notification window — and every job meets an idle scheduler.
 */
export async function runLatency(context: ScenarioContext): Promise<LatencyResult> {
  const { names: nameCount, pollIntervalMs, minGapMs, maxGapMs, jobs } = context.settings.latency;
  const names = Array.from({ length: nameCount }, (_, index) => `bench-latency-${index}`);
  const runs: LatencyRun[] = [];
  for (const mode of modes(pollIntervalMs)) {
    const dbName = databaseName('latency', mode.library, mode.notify);
    const run = await withDatabase(context.uri, dbName, async (db) => {
      const queue = await createQueue(mode.library, {
        db,
        names,
        concurrency: 10,
        notify: mode.notify,
        pollIntervalMs: mode.pollIntervalMs,
      });
      const tracker = new StartTracker();
      await queue.start({ onStart: (seq) => tracker.record(seq) });
      await Promise.race([queue.listening(), sleep(10_000)]);
      const { latencies, missing } = await measureMode(queue, names, context, tracker);
      await queue.stop();
      return {
        library: mode.library,
        notify: mode.notify,
        pollIntervalMs: mode.pollIntervalMs,
        label: mode.label,
        settings: queue.settings,
        latency: distribution(latencies),
        missing,
        errors: queue.errors,
      };
    });
    runs.push(run);
    progress(
      'latency',
      `${mode.label}: p50 ${run.latency.p50.toFixed(1)} ms, p99 ${run.latency.p99.toFixed(1)} ms` +
        (run.missing > 0 ? `, ${run.missing} not started` : ''),
    );
  }
  return {
    runs,
    method:
      `${jobs} jobs per mode, enqueued open-loop every ${minGapMs}–${maxGapMs} ms (uniform), ` +
      `rotating over ${nameCount} job names with one worker each; latency = enqueue call → ` +
      `handler start (same process clock)`,
  };
}
