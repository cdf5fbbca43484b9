import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { titledCodeBlock } from './support/document-snippets.ts';
import {
  buildPackages,
  expectEndsOnSigterm,
  killGroup,
  SIGTERM_OBSERVER,
  startProgram,
} from './support/node-program.ts';
import { DOCS_CONTENT, repositoryRoot } from './support/repository.ts';

const run = promisify(execFile);
const PAGE = `${DOCS_CONTENT}/getting-started/local-development.md`;

/** The program of the Local development page whose fence says `title="<file>"`. */
const program = (file: string): string => titledCodeBlock(PAGE, file);

async function pack(name: string, destination: string): Promise<string> {
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', destination], {
    cwd: join(repositoryRoot, 'packages', name),
  });
  const [packed] = JSON.parse(stdout) as Array<{ filename: string }>;
  if (!packed) throw new Error(`npm pack printed no tarball: ${stdout}`);
  return join(destination, packed.filename);
}

async function npm(args: readonly string[], cwd: string): Promise<void> {
  await run('npm', [...args, '--prefer-offline', '--no-audit', '--no-fund'], { cwd });
}

// An application outside the repository: the packed packages (what npm would publish) installed
// as the docs say, and the worker programs of the Local development page, run against
// `npx mongo-emulator` as the page says.
describe('a fresh app that follows the Local development page', () => {
  let appDir = '';

  beforeAll(async () => {
    await buildPackages();
    appDir = mkdtempSync(join(tmpdir(), 'monque-fresh-app-'));
    const core = await pack('core', appDir);
    const emulator = await pack('mongo-emulator', appDir);
    writeFileSync(
      join(appDir, 'package.json'),
      JSON.stringify({ name: 'fresh-app', private: true }),
    );
    // npm install @monque/core mongodb; npm install --save-dev @monque/mongo-emulator
    await npm(['install', core, 'mongodb@7.9.0'], appDir);
    await npm(['install', '--save-dev', emulator], appDir);
    writeFileSync(join(appDir, 'worker.mjs'), program('worker.mjs'));
    writeFileSync(join(appDir, 'worker.cjs'), program('worker.cjs'));
    // Only an observer: says when the program has registered its SIGTERM listener.
    writeFileSync(join(appDir, 'observe-signals.cjs'), SIGTERM_OBSERVER);
  }, 300_000);

  afterAll(() => {
    if (appDir !== '') rmSync(appDir, { recursive: true, force: true });
  });

  it.each(['worker.mjs', 'worker.cjs'])(
    'runs %s against `npx mongo-emulator`, and it ends by itself on SIGTERM',
    async (file) => {
      const server = startProgram('npx', ['mongo-emulator', '--port', '0'], {
        cwd: appDir,
        group: true,
      });
      try {
        const [uri] = await server.waitForOutput(/mongodb:\/\/\S+/, 60_000);
        const worker = startProgram(
          process.execPath,
          ['--require', './observe-signals.cjs', file],
          {
            cwd: appDir,
            env: { ...process.env, MONGODB_URI: uri },
          },
        );
        try {
          await worker.waitForOutput(/completed send-email [0-9a-f]{24} in \d+ ms/, 30_000);
          expect(worker.output()).toContain("sending e-mail { to: 'ada@example.com' }");
          await expectEndsOnSigterm(worker, 15_000);
        } finally {
          worker.child.kill('SIGKILL');
        }
        killGroup(server, 'SIGINT');
        expect(await server.exitWithin(15_000), server.output()).toBeDefined();
      } finally {
        killGroup(server, 'SIGKILL');
      }
    },
    120_000,
  );
});
