import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../src/harness/worker-handle.js';
import type { BenchResults } from '../src/results.js';

// Keeps the harness working: runs the built runner in quick mode on the embedded emulator (npm
// test builds first) and checks what it measured — that every run processed its jobs, that the
// store counted requests and the worker its CPU time, that every latency job started, and that
// the report was written. No performance thresholds: those belong to the benchmark itself.
const runner = fileURLToPath(new URL('../dist/run.mjs', import.meta.url));
const outDir = mkdtempSync(join(tmpdir(), 'monque-bench-test-'));

function runQuick(): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [runner, '--quick', '--out', outDir], {
      env: { ...process.env, MONGODB_URI: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

function processed(run: RunRecord): number {
  return run.measurement.kind === 'processing' ? run.measurement.processed : 0;
}

describe('npm run bench -- --quick', () => {
  let code: number | null = null;
  let output = '';
  let results: BenchResults;

  // The quick run takes 20–60 s depending on the machine's load; the limit only stops a hung run.
  beforeAll(async () => {
    expect(existsSync(runner), 'build the bench package first (npm test does)').toBe(true);
    ({ code, output } = await runQuick());
    results = JSON.parse(readFileSync(join(outDir, 'quick.json'), 'utf8')) as BenchResults;
  }, 300_000);

  afterAll(() => {
    rmSync(outDir, { recursive: true, force: true });
  });

  it('finishes without a failed scenario, a library error or a warning', () => {
    expect(code, output).toBe(0);
    expect(results.failures).toEqual([]);
    expect(results.harnessWarnings).toEqual([]);
    expect(results.libraries.map((entry) => entry.library)).toEqual(['monque', 'agenda']);
    expect(results.commit).toMatch(/^[0-9a-f]{40}(-dirty)?$|^unknown/);
    expect(results.load.samples).toBeGreaterThanOrEqual(2);
  });

  it('processes jobs in every processing run, counted by the store and timed by the worker', () => {
    const configs = results.scenarios.processing?.configs ?? [];
    expect(configs.map((config) => config.config.id)).toEqual([
      'noop-c10',
      'async5-c10',
      'noop-c10-priorities',
      'noop-c10-groups',
    ]);
    for (const { config, runs } of configs) {
      // Flow control is Monque's own: those configurations run Monque alone.
      expect(runs.map((run) => run.library).sort(), config.id).toEqual(
        config.flow === undefined ? ['agenda', 'monque'] : ['monque'],
      );
      for (const run of runs) {
        const label = `${config.id} ${run.library}`;
        expect(processed(run), label).toBeGreaterThan(0);
        expect(processed(run), label).toBeLessThanOrEqual(config.jobs);
        // Each processed job was claimed and its outcome written: requests the store answered.
        expect(run.requests.total, label).toBeGreaterThan(0);
        expect(run.requests.serverCpuUs, label).toBeGreaterThan(0);
        expect(run.worker.userUs + run.worker.systemUs, label).toBeGreaterThan(0);
        expect(run.errors, label).toBe(0);
        expect(run.warnings, label).toEqual([]);
      }
    }
    // Monque is not time-capped on 200 jobs: it processes every one.
    const monque = configs
      .flatMap((config) => config.runs)
      .filter((run) => run.library === 'monque');
    for (const run of monque) {
      expect(processed(run)).toBe(
        run.measurement.kind === 'processing' ? run.measurement.jobs : -1,
      );
    }
  });

  it('starts every latency job and records enqueue → start for each', () => {
    const modes = results.scenarios.latency?.modes ?? [];
    expect(modes.map((mode) => mode.mode.id)).toEqual(['hot-name', 'rotating-names']);
    for (const { mode, runs } of modes) {
      expect(runs.length, mode.id).toBeGreaterThan(0);
      for (const run of runs) {
        const latencies = run.measurement.kind === 'latency' ? run.measurement.latencies : [];
        expect(latencies.length, `${mode.id} ${run.library}`).toBe(results.settings.latency.jobs);
        for (const latency of latencies) {
          expect(latency, `${mode.id} ${run.library}`).not.toBeNull();
          expect(latency, `${mode.id} ${run.library}`).toBeGreaterThan(0);
        }
      }
    }
  });

  it('enqueues through each library and watches idle instances', () => {
    const enqueue = results.scenarios.enqueue;
    expect(enqueue?.oneByOne.map((run) => run.library).sort()).toEqual(['agenda', 'monque']);
    for (const run of enqueue?.oneByOne ?? []) {
      // One insert per job: the store saw at least as many requests as jobs were added.
      expect(run.requests.total, run.library).toBeGreaterThanOrEqual(
        results.settings.enqueue.oneByOne,
      );
    }
    expect(enqueue?.bulk.map((run) => run.library)).toEqual(['monque']);
    expect(results.scenarios.idle?.runs.map((run) => run.library).sort()).toEqual([
      'agenda',
      'monque',
    ]);
  });

  it('aborts the signal of every cancelled job, with and without the change stream', () => {
    const modes = results.scenarios.cancel?.modes ?? [];
    expect(modes.map((mode) => mode.notify)).toEqual(['change-stream', 'polling']);
    for (const { notify, runs } of modes) {
      expect(runs.length, notify).toBe(results.settings.repetitions);
      for (const run of runs) {
        expect(run.latencies.length, notify).toBe(results.settings.cancel.cancels);
        expect(run.missed, notify).toBe(0);
        expect(run.cancelled, notify).toBe(results.settings.cancel.cancels);
        expect(run.errors, notify).toEqual([]);
        for (const latency of run.latencies) expect(latency, notify).toBeGreaterThan(0);
      }
    }
  });

  it('times every management read of Monque on the seeded queue, in every repetition', () => {
    const management = results.scenarios.management;
    const { jobs, calls, statsCalls, pages } = results.settings.management;
    expect(management?.jobs).toBe(jobs);
    expect(management?.errors).toBe(0);
    expect(management?.warnings).toEqual([]);
    expect(management?.runs).toHaveLength(results.settings.repetitions);
    for (const run of management?.runs ?? []) {
      const operations = run.measurement.kind === 'management' ? run.measurement.operations : [];
      expect(Object.fromEntries(operations.map(({ id, ms }) => [id, ms.length]))).toEqual({
        'first-page': calls,
        'failed-by-updated': calls,
        'name-pending-due': calls,
        'data-filter': calls,
        'walk-pages': pages,
        stats: statsCalls,
        'stats-one-name': statsCalls,
      });
      for (const { id, ms } of operations) {
        for (const time of ms) expect(time, id).toBeGreaterThan(0);
      }
      // Every call is at least one request the store answered.
      expect(run.requests.total).toBeGreaterThanOrEqual(4 * calls + pages + 2 * statsCalls);
    }
  });

  it('writes the report with every section and every target', () => {
    expect(results.targets.map((target) => target.id)).toEqual([
      'throughput-noop',
      'throughput-async',
      'requests-noop',
      'requests-async',
      'ceiling-async5',
      'ceiling-async50',
      'latency-p99-hot',
      'latency-p50-hot',
      'cpu-per-job',
      'idle-polls',
      'cancel-p99-stream',
      'cancel-p99-polling',
    ]);
    const markdown = readFileSync(join(outDir, 'quick.md'), 'utf8');
    for (const heading of [
      '## Summary: costs that do not depend on the store',
      '## Targets',
      '## Processing',
      '## Latency',
      '## Enqueue',
      '## Idle',
      '## Cancel',
      `## Management reads at ${results.settings.management.jobs.toLocaleString('en-US')} jobs (Monque)`,
      '## CPU profiles',
      '## Failures, errors and warnings',
      '## Method',
    ]) {
      expect(markdown).toContain(heading);
    }
  });
});
