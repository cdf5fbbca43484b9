import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { USAGE } from '../src/command/serve.js';
import { DASHBOARD_OPTION_NAMES } from '../src/options.js';

const PAGE = fileURLToPath(
  new URL('../../docs/src/content/docs/guides/dashboard.md', import.meta.url),
);
const CHECK_DIR = fileURLToPath(new URL('../test-output/docs-check/', import.meta.url));
const TSC = fileURLToPath(new URL('../../../node_modules/.bin/tsc', import.meta.url));
const markdown = readFileSync(PAGE, 'utf8');

/** The ```ts blocks of the page, with the indentation of list items removed. */
function typeScriptBlocks(text: string): string[] {
  const blocks: string[] = [];
  for (const match of text.matchAll(/^( *)```ts\n([\s\S]*?)^\1```$/gm)) {
    const indent = match[1] ?? '';
    const body = match[2] ?? '';
    blocks.push(
      body
        .split('\n')
        .map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line))
        .join('\n'),
    );
  }
  return blocks;
}

/** The first column of the table under a heading, without backticks and arguments. */
function tableKeys(heading: string): string[] {
  const section = markdown.split(`## ${heading}\n`)[1]?.split('\n## ')[0] ?? '';
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => /^\| `([^` ]+)/.exec(line)?.[1] ?? '');
}

describe('the dashboard guide', () => {
  it('has code blocks that compile against the built packages', async () => {
    const blocks = typeScriptBlocks(markdown);
    expect(blocks.length).toBeGreaterThanOrEqual(5);
    rmSync(CHECK_DIR, { recursive: true, force: true });
    mkdirSync(CHECK_DIR, { recursive: true });
    blocks.forEach((block, index) => {
      writeFileSync(`${CHECK_DIR}block-${index + 1}.ts`, block);
    });
    writeFileSync(
      `${CHECK_DIR}tsconfig.json`,
      JSON.stringify({
        extends: '../../../../tsconfig.base.json',
        compilerOptions: { noEmit: true, types: ['node'] },
        include: ['*.ts'],
      }),
    );
    const result = await promisify(execFile)(TSC, ['-p', CHECK_DIR]).then(
      () => '',
      (error: { stdout?: string }) => error.stdout ?? String(error),
    );
    expect(result).toBe('');
  }, 60_000);

  it('lists exactly the options createDashboard accepts', () => {
    expect(tableKeys('Options').sort()).toEqual(
      DASHBOARD_OPTION_NAMES.filter((name) => name !== 'db' && name !== 'collectionName').sort(),
    );
  });

  it('lists exactly the options of the command', () => {
    const documented = tableKeys('Serve it on its own');
    const usage = [...USAGE.matchAll(/^ {2}(--[a-z-]+)/gm)].map((match) => match[1]);
    expect(documented).toEqual(usage.filter((flag) => flag !== '--help'));
  });
});
