import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// Keeps the harness working: runs the built runner in quick mode (npm test builds first) and
// checks that both result files are written with every scenario. No performance thresholds.
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

describe('npm run bench -- --quick', () => {
  afterAll(() => {
    rmSync(outDir, { recursive: true, force: true });
  });

  it('runs every scenario for both libraries and writes quick.json and quick.md', async () => {
    expect(existsSync(runner), 'build the bench package first (npm test does)').toBe(true);
    const { code, output } = await runQuick();
    expect(code, output).toBe(0);
    expect(output).toMatch(/\[\d\d:\d\d\] processing/);

    const json: unknown = JSON.parse(readFileSync(join(outDir, 'quick.json'), 'utf8'));
    expect(json).toMatchObject({
      formatVersion: 1,
      mode: 'quick',
      failures: [],
      machine: {
        cpuModel: expect.any(String),
        cores: expect.any(Number),
        node: process.version,
      },
      versions: {
        '@monque/core': expect.any(String),
        agenda: expect.any(String),
        mongodb: expect.any(String),
      },
      substrate: { kind: 'emulator', description: expect.stringContaining('mongo-emulator') },
    });
    const { scenarios, targets } = json as {
      scenarios: Record<string, { runs?: { library: string }[]; jobs?: { library: string }[] }>;
      targets: { id: string }[];
    };
    for (const name of ['enqueue', 'processing', 'latency', 'scaling', 'cost', 'memory']) {
      const scenario = scenarios[name];
      expect(scenario, name).toBeDefined();
      const libraries = new Set((scenario?.runs ?? scenario?.jobs ?? []).map((run) => run.library));
      expect([...libraries].sort(), name).toEqual(['agenda', 'monque']);
    }
    expect(targets.map((target) => target.id)).toEqual([
      'throughput-c10',
      'commands-per-job',
      'idle-empty-polls',
      'latency-p99',
      'latency-p50',
      'memory-growth',
    ]);

    const markdown = readFileSync(join(outDir, 'quick.md'), 'utf8');
    for (const heading of [
      '## Targets',
      '## 1. Enqueue',
      '## 2. Processing',
      '## 3. Latency',
      '## 4. Scaling',
      '## 5. Cost per job',
      '## 6. Memory',
    ]) {
      expect(markdown).toContain(heading);
    }
  }, 120_000);
});
