import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { USAGE } from '../src/command/serve.js';
import { DASHBOARD_OPTION_NAMES } from '../src/options.js';

const PAGE = fileURLToPath(
  new URL('../../docs/src/content/docs/guides/dashboard.md', import.meta.url),
);
const markdown = readFileSync(PAGE, 'utf8');

/** The first column of the table under a heading, without backticks and arguments. */
function tableKeys(heading: string): string[] {
  const section = markdown.split(`## ${heading}\n`)[1]?.split('\n## ')[0] ?? '';
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => /^\| `([^` ]+)/.exec(line)?.[1] ?? '');
}

// Its code blocks are compiled with every other page's (packages/docs/tests/code-blocks.test.ts).
describe('the dashboard guide', () => {
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
