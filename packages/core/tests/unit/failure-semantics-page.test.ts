import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as core from '../../src/index.js';
import { FALLBACK_REASON_LENGTH, MAX_FAIL_REASON_LENGTH } from '../../src/processing/outcome.js';
import { UNHEARD_ERROR_WARNING, WARNING_INTERVAL } from '../../src/runtime/unheard-warnings.js';
import { MIN_SERVER_VERSION } from '../../src/server-version.js';

const page = readFileSync(
  new URL('../../../docs/src/content/docs/advanced/failure-semantics.md', import.meta.url),
  'utf8',
);

/** The rows of the page's table: failure, what Monque does, governed by. */
const rows = page
  .split('\n')
  .filter((line) => line.startsWith('| **'))
  .map((line) =>
    line
      .slice(1, -1)
      .split(' | ')
      .map((cell) => cell.trim()),
  );

/** The docs page restates the code: it is checked against it. */
describe('the "Failure semantics" page', () => {
  it('has one row for every failure a user can meet', () => {
    expect(rows.map(([failure]) => /^\*\*(.+?)\*\*/.exec(failure ?? '')?.[1])).toEqual([
      'Handler throws',
      'Result refused',
      'Handler hangs',
      'Process killed',
      'Database down',
      'Listener throws',
      'Write rejected',
      'Lost lease',
      'Shutdown timeout',
    ]);
    expect(rows.every((row) => row.length === 3)).toBe(true);
  });

  it('names real options with their real defaults', () => {
    const defaults = core.resolveMonqueOptions() as unknown as Record<string, unknown>;
    const named = [...page.matchAll(/`(\w+)` \(default `([^`]+)`\)/g)];
    expect(named.length).toBeGreaterThanOrEqual(12);
    for (const [, option, value] of named) {
      expect(String(defaults[option as string]), option).toBe(value);
    }
  });

  it('names only error classes Monque exports', () => {
    const classes = new Set([...page.matchAll(/`(\w+Error)`/g)].map(([, name]) => name as string));
    expect(classes.size).toBeGreaterThanOrEqual(7);
    for (const name of classes) {
      expect(typeof (core as Record<string, unknown>)[name], name).toBe('function');
    }
  });

  it('states the limits the code uses', () => {
    const text = page.replace(/\s+/g, ' ');
    expect(text).toContain(`at most ${MAX_FAIL_REASON_LENGTH} characters`);
    expect(text).toContain(`at most ${FALLBACK_REASON_LENGTH} characters`);
    expect(text).toContain(`code \`${UNHEARD_ERROR_WARNING}\``);
    // "a minute"
    expect(WARNING_INTERVAL).toBe(60_000);
    expect(text).toContain('one warning a minute');
    expect(text).toContain(`MongoDB ${MIN_SERVER_VERSION.major}.${MIN_SERVER_VERSION.minor}`);
  });
});
