import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MongoEmulator } from '@monque/mongo-emulator';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractCodeBlocks } from './support/markdown.ts';
import {
  buildPackages,
  expectEndsOnSigterm,
  SIGTERM_OBSERVER,
  startProgram,
} from './support/node-program.ts';
import { readRepositoryFile, repositoryRoot } from './support/repository.ts';

const README = readRepositoryFile('README.md');

/** The first code block after the heading `## <title>` of the README. */
function blockUnder(title: string): string {
  const heading = README.split('\n').indexOf(`## ${title}`);
  expect(heading, `README has no "## ${title}"`).toBeGreaterThanOrEqual(0);
  const block = extractCodeBlocks(README, 'README.md').find(
    (candidate) => candidate.line > heading,
  );
  if (block === undefined) throw new Error(`README has no code block under "## ${title}"`);
  return block.code;
}

/**
 * What the Usage snippet takes from its surroundings (the application's mailer, report and
 * logger), and a line once it has registered its SIGTERM listener, so the signal is not sent
 * before the snippet can handle it.
 */
const SURROUNDINGS = `
globalThis.mailer = { async send(to) { console.log('mailer.send ' + to); } };
globalThis.buildReport = async () => {};
globalThis.log = { warn: (fields) => console.log('log.warn ' + JSON.stringify(fields)) };
${SIGTERM_OBSERVER}`;

describe('README', () => {
  it('opens with exactly the two set-up commands: npm start and npm test', () => {
    const firstScreen = README.slice(0, README.indexOf('\n## '));
    const blocks = extractCodeBlocks(firstScreen, 'README.md');
    expect(blocks).toHaveLength(1);
    const commands = (blocks[0]?.code ?? '')
      .split('\n')
      .map((line) => line.replace(/#.*$/, '').trim())
      .filter((line) => line !== '');
    expect(commands).toEqual(['npm ci && npm start', 'npm ci && npm test']);
  });

  describe('the Usage snippet, run as it is written', () => {
    const dir = join(repositoryRoot, 'packages/docs/node_modules/.cache/readme-usage');
    let emulator: MongoEmulator;

    beforeAll(async () => {
      // The snippet imports the published build of @monque/core.
      await buildPackages();
      emulator = await MongoEmulator.start();
      mkdirSync(dir, { recursive: true });
      const { outputText } = ts.transpileModule(blockUnder('Usage'), {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      });
      writeFileSync(join(dir, 'surroundings.mjs'), SURROUNDINGS);
      writeFileSync(join(dir, 'usage.mjs'), `import './surroundings.mjs';\n${outputText}`);
    }, 180_000);

    afterAll(async () => {
      await emulator?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('runs a job, and ends by itself soon after SIGTERM', async () => {
      const program = startProgram(process.execPath, ['usage.mjs'], {
        cwd: dir,
        env: { ...process.env, MONGODB_URI: emulator.uri },
      });
      try {
        await program.waitForOutput(/mailer\.send ada@example\.com/, 30_000);
        // Stopping an idle scheduler and closing the client take milliseconds.
        await expectEndsOnSigterm(program, 15_000);
      } finally {
        program.child.kill('SIGKILL');
      }
    }, 90_000);
  });
});
