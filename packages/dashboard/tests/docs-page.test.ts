import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { USAGE } from '../src/command/serve.js';
import { MANAGEMENT_METHODS } from '../src/management.js';
import { DASHBOARD_OPTION_NAMES } from '../src/options.js';
import { ACTION_RULES } from '../src/pages/job-detail.js';

const PAGE = fileURLToPath(
  new URL('../../docs/src/content/docs/guides/dashboard.md', import.meta.url),
);
const markdown = readFileSync(PAGE, 'utf8');

/** The rows of the table under a heading whose first cell is code, as cells. */
function tableRows(heading: string): string[][] {
  const section = markdown.split(`## ${heading}\n`)[1]?.split('\n## ')[0] ?? '';
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) =>
      line
        .slice(1, -1)
        .split(' | ')
        .map((cell) => cell.trim()),
    );
}

/** The first column of the table under a heading, without backticks and arguments. */
function tableKeys(heading: string): string[] {
  return tableRows(heading).map((cells) => /^`([^` ]+)/.exec(cells[0] ?? '')?.[1] ?? '');
}

// Its code blocks are compiled with every other page's (packages/docs/tests/code-blocks.test.ts).
describe('the dashboard guide', () => {
  it('lists exactly the options createDashboard accepts', () => {
    expect(tableKeys('Options').sort()).toEqual(
      DASHBOARD_OPTION_NAMES.filter((name) => name !== 'db' && name !== 'collectionName').sort(),
    );
  });

  it('lists each action with the statuses it is offered for and the method it calls', () => {
    const documented = tableRows('Actions').map(([action, statuses, method]) => ({
      action,
      statuses,
      method,
    }));
    expect(documented).toEqual(
      Object.entries(ACTION_RULES).map(([action, rule]) => ({
        action: `\`${action}\``,
        statuses: rule.statuses.map((status) => `\`${status}\``).join(', '),
        method: expect.stringMatching(new RegExp(`^\`(${MANAGEMENT_METHODS.join('|')})\`$`)),
      })),
    );
    expect(new Set(documented.map((row) => row.method)).size).toBe(documented.length);
  });

  it('lists exactly the options of the command', () => {
    const documented = tableKeys('Serve it on its own');
    const usage = [...USAGE.matchAll(/^ {2}(--[a-z-]+)/gm)].map((match) => match[1]);
    expect(documented).toEqual(usage.filter((flag) => flag !== '--help'));
  });
});
