/** One row of the reliability summary table. */
export interface SummaryRow {
  scenario: string;
  jobs: number;
  duplicates: number;
  lost: number;
  /** How long recovery took, in ms, or a note such as `n/a`. */
  recovery: string;
  /** Anything else measured (throughput, executions, heap growth…). */
  notes?: string;
}

const rows: SummaryRow[] = [];

/** Records a scenario's figures (printed by {@link printSummary}) and prints them at once. */
export function recordScenario(row: SummaryRow): void {
  rows.push(row);
  console.info(`[reliability] ${row.scenario}: ${JSON.stringify(row)}`);
}

/** Prints every recorded row as a table. */
export function printSummary(): void {
  const header: readonly (keyof SummaryRow)[] = [
    'scenario',
    'jobs',
    'duplicates',
    'lost',
    'recovery',
    'notes',
  ];
  const cells = rows.map((row) => header.map((key) => String(row[key] ?? '')));
  const widths = header.map((key, column) =>
    Math.max(key.length, ...cells.map((line) => (line[column] ?? '').length)),
  );
  const format = (line: readonly string[]): string =>
    `| ${line.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  const lines = [
    format(header),
    `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`,
    ...cells.map(format),
  ];
  console.info(`\nReliability summary\n${lines.join('\n')}\n`);
}
