import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { JOB_INDEXES } from '../../src/indexes.js';

const page = readFileSync(
  new URL('../../../docs/src/content/docs/advanced/indexes.md', import.meta.url),
  'utf8',
);

/** The rows of the page's index table: name and key cell. */
const rows = page
  .split('\n')
  .filter((line) => line.startsWith('| `monque_'))
  .map((line) =>
    line
      .slice(1, -1)
      .split(' | ')
      .map((cell) => cell.trim()),
  );

/** An index's key as the page writes it: `{ name: 1, status: 1 }`, then `, unique, partial`. */
function keyCell(index: (typeof JOB_INDEXES)[number]): string {
  const key = Object.entries(index.key as Record<string, number>)
    .map(([field, order]) => `${field}: ${order}`)
    .join(', ');
  const flags = [index.unique ? 'unique' : '', index.partialFilterExpression ? 'partial' : '']
    .filter(Boolean)
    .map((flag) => `, ${flag}`)
    .join('');
  return `\`{ ${key} }\`${flags}`;
}

/** The "Indexes and their query shapes" page restates JOB_INDEXES: it is checked against it. */
describe('the "Indexes" page', () => {
  it('lists every index Monque creates, with its key, and no other', () => {
    expect(rows.map(([name, key]) => [name, key])).toEqual(
      JOB_INDEXES.map((index) => [`\`${index.name}\``, keyCell(index)]),
    );
  });

  it('has a query-shape section for every index that is not for listing jobs', () => {
    const sections = [...page.matchAll(/^### `(monque_\w+)`$/gm)].map(([, name]) => name);
    expect(sections).toEqual(
      JOB_INDEXES.map((index) => index.name).filter((name) => !name?.startsWith('monque_status_')),
    );
  });
});
