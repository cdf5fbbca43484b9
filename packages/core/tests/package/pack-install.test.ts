import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const packagesDir = resolve(import.meta.dirname, '../../..');
const repositoryRoot = resolve(packagesDir, '..');

/** What `npm pack --json` reports of one tarball. */
interface PackResult {
  filename: string;
  files: Array<{ path: string }>;
}

async function pack(packageDir: string, destination: string): Promise<PackResult> {
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', destination], {
    cwd: packageDir,
  });
  const [packed] = JSON.parse(stdout) as PackResult[];
  if (!packed) throw new Error(`npm pack printed no tarball: ${stdout}`);
  return packed;
}

/** What a consumer script prints: the type of each export it imported. */
const probe = `
const report = (core, testing) => ({
  calculateBackoff: typeof core.calculateBackoff,
  Monque: typeof core.Monque,
  backoff: core.calculateBackoff(2, 1000, undefined, new Date(0)).toISOString(),
  testingExports: Object.keys(testing).sort(),
});
`;

// The built packages are checked the way users get them: packed by npm (what the registry would
// publish), installed from the tarball into a fresh folder outside the workspace, then loaded
// through `import` and `require`.
describe('packed packages', () => {
  let consumerDir = '';
  const packed = new Map<string, PackResult>();

  beforeAll(async () => {
    consumerDir = await mkdtemp(join(tmpdir(), 'monque-consumer-'));
    for (const name of ['core', 'mongo-emulator']) {
      packed.set(name, await pack(join(packagesDir, name), consumerDir));
    }
    await writeFile(
      join(consumerDir, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true }),
    );
    await run(
      'npm',
      [
        'install',
        join(consumerDir, packed.get('core')?.filename ?? ''),
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

  it.each([
    ['core', '@monque/core', ['dist/index.mjs', 'dist/index.cjs', 'dist/testing.mjs']],
    [
      'mongo-emulator',
      '@monque/mongo-emulator',
      ['dist/index.mjs', 'dist/index.cjs', 'dist/cli.mjs'],
    ],
  ])('the tarball of %s holds its build, README and LICENSE', (name, packageName, builds) => {
    const result = packed.get(name);
    const files = result?.files.map((file) => file.path) ?? [];
    expect(files).toEqual(
      expect.arrayContaining(['package.json', 'README.md', 'LICENSE', ...builds]),
    );
    // The registry page is the README: it names the package and says how to install it.
    const readme = readFileSync(join(packagesDir, name, 'README.md'), 'utf8');
    expect(readme.startsWith(`# ${packageName}\n`)).toBe(true);
    expect(readme).toContain(`npm install`);
    expect(readFileSync(join(packagesDir, name, 'LICENSE'), 'utf8')).toBe(
      readFileSync(join(repositoryRoot, 'LICENSE'), 'utf8'),
    );
  });

  it.each(['esm.mjs', 'cjs.cjs'])(
    'loads both entries of @monque/core through %s',
    async (script) => {
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
    },
  );
});
