import type { TestContext } from 'vitest';

/** What a scenario measured in this run. */
export interface Measured {
  /** How many jobs the scenario ran. */
  jobs: number;
  /** Jobs run (or completed) more often than the scenario allows, as counted in this run. */
  duplicates: number;
  /** Jobs that never reached the end the scenario expects, as counted in this run. */
  lost: number;
  /** How long recovery took, or what was measured instead. */
  recovery: string;
  /** Anything else measured (throughput, executions, heap growth…). */
  notes?: string;
}

/** One row of the reliability summary table. */
interface Row extends Partial<Measured> {
  scenario: string;
  /** `passed` (every assertion held), `FAILED: …` (the first that did not) or `skipped: why`. */
  result: string;
}

/** The rows, by the id of the test that recorded them. */
const rows = new Map<string, Row>();

/** The first line of an error's message (a test's recorded errors are plain objects). */
function firstLine(error: unknown): string {
  const { message } = (typeof error === 'object' && error !== null ? error : {}) as {
    message?: unknown;
  };
  const text = typeof message === 'string' ? message : `${typeof error} ${JSON.stringify(error)}`;
  return (text.split('\n')[0] ?? '').slice(0, 160);
}

function record(test: TestContext, row: Row): void {
  rows.set(test.task.id, row);
  console.info(`[reliability] ${row.scenario}: ${JSON.stringify(row)}`);
}

/**
 * Runs a scenario's assertions on what it measured, then records its row: the figures, and
 * `passed` — or `FAILED` with the first assertion that did not hold, which is then thrown again so
 * the test fails. Call it last in the test, with every assertion of the scenario inside.
 */
export async function checkScenario(
  test: TestContext,
  scenario: string,
  measured: Measured,
  assertions: () => void | Promise<void>,
): Promise<void> {
  try {
    await assertions();
  } catch (error) {
    record(test, { scenario, ...measured, result: `FAILED: ${firstLine(error)}` });
    throw error;
  }
  record(test, { scenario, ...measured, result: 'passed' });
}

/** Records that a scenario cannot run on this substrate, and why, and skips its test. */
export function skipScenario(test: TestContext, scenario: string, reason: string): never {
  record(test, { scenario, result: `skipped: ${reason}` });
  return test.skip(reason);
}

/**
 * After each scenario test (`afterEach`): a test that failed before it measured anything gets a
 * `FAILED` row; one that failed after its row said `passed` has the row corrected; a test that was
 * skipped without a reason gets a row saying so.
 */
export function settleRow(test: TestContext): void {
  const { id, name, result } = test.task;
  const row = rows.get(id);
  const error = result?.errors?.[0];
  if (result?.state === 'fail') {
    if (row === undefined) {
      record(test, { scenario: name, result: `FAILED before measuring: ${firstLine(error)}` });
    } else if (row.result === 'passed') {
      record(test, { ...row, result: `FAILED after measuring: ${firstLine(error)}` });
    }
  } else if (row === undefined) {
    record(test, {
      scenario: name,
      result: result?.state === 'skip' ? 'skipped: no reason given' : 'FAILED: recorded no figures',
    });
  }
}

/** Prints every recorded row as a table, with how many scenarios passed, failed and were skipped. */
export function printSummary(): void {
  const header = [
    'scenario',
    'result',
    'jobs',
    'duplicates',
    'lost',
    'recovery',
    'notes',
  ] as const satisfies readonly (keyof Row)[];
  const all = [...rows.values()];
  const cells = all.map((row) => header.map((key) => String(row[key] ?? '')));
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
  const count = (prefix: string): number =>
    all.filter(({ result }) => result.startsWith(prefix)).length;
  console.info(
    `\nReliability summary: ${all.length} scenarios, ${count('passed')} passed, ` +
      `${count('FAILED')} FAILED, ${count('skipped')} skipped\n${lines.join('\n')}\n`,
  );
}
