import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const packageDir = resolve(import.meta.dirname, '../..');

/** What a consumer script prints: the type of each export it imported. */
const probe = `
const report = (core, testing) => ({
  calculateBackoff: typeof core.calculateBackoff,
  Monque: typeof core.Monque,
  backoff: core.calculateBackoff(2, 1000, undefined, new Date(0)).toISOString(),
  testingExports: Object.keys(testing).sort(),
});
`;

// The built package is checked the way users consume it: packed by npm, installed from the
// tarball into a fresh folder outside the workspace, then loaded through `import` and `require`.
describe('packed @monque/core', () => {
  let consumerDir = '';

  beforeAll(async () => {
    consumerDir = await mkdtemp(join(tmpdir(), 'monque-consumer-'));
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', consumerDir], {
      cwd: packageDir,
    });
    const [packed] = JSON.parse(stdout) as Array<{ filename: string }>;
    if (!packed) throw new Error(`npm pack printed no tarball: ${stdout}`);
    await writeFile(
      join(consumerDir, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true }),
    );
    await run(
      'npm',
      [
        'install',
        join(consumerDir, packed.filename),
        'mongodb@7.9.0',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
      ],
      { cwd: consumerDir },
    );
    await writeFile(
      join(consumerDir, 'esm.mjs'),
      `import * as core from '@monque/core';\nimport * as testing from '@monque/core/testing';\n${probe}\nconsole.log(JSON.stringify(report(core, testing)));\n`,
    );
    await writeFile(
      join(consumerDir, 'cjs.cjs'),
      `const core = require('@monque/core');\nconst testing = require('@monque/core/testing');\n${probe}\nconsole.log(JSON.stringify(report(core, testing)));\n`,
    );
  }, 180_000);

  afterAll(async () => {
    if (consumerDir) await rm(consumerDir, { recursive: true, force: true });
  });

  it.each(['esm.mjs', 'cjs.cjs'])('loads both entries through %s', async (script) => {
    const { stdout } = await run(process.execPath, [script], { cwd: consumerDir });
    const report = JSON.parse(stdout) as Record<string, unknown>;
    expect(report.calculateBackoff).toBe('function');
    expect(report.Monque).toBe('function');
    expect(report.backoff).toBe('1970-01-01T00:00:04.000Z');
    expect(report.testingExports).toEqual(
      expect.arrayContaining([
        'cleanupTestDatabase',
        'createJobDocument',
        'startTestMongo',
        'waitForIdle',
        'waitForJob',
      ]),
    );
  });
});
