import { describe, expect, it } from 'vitest';
import { table } from '../src/report/markdown.js';

/** The cells of a rendered row, split on the pipes that are not escaped. */
function cells(line: string): string[] {
  return line
    .slice(1, -1)
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim());
}

describe('the Markdown tables of the report', () => {
  it('keep text with pipes (such as SQL) in one cell', () => {
    const rendered = table(['Library', 'Requests'], [['pg-boss', "SELECT ($1 || 'x') 3"]]);
    const [, , row] = rendered.split('\n');
    expect(cells(row ?? '')).toEqual(['pg-boss', "SELECT ($1 \\|\\| 'x') 3"]);
  });
});
