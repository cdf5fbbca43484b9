import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { JOB_INDEXES } from '../../src/indexes.js';
import { MAX_ATTEMPT_REASON_LENGTH } from '../../src/jobs/job-history.js';
import { MAX_PROGRESS_SIZE } from '../../src/jobs/job-progress.js';
import { DELETABLE_STATUSES } from '../../src/management/delete-job.js';
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from '../../src/management/find-jobs.js';
import {
  checkJobFilter,
  MAX_FILTER_DATA_PATHS,
  MAX_FILTER_NAMES,
} from '../../src/management/job-filter.js';
import { readJobOrder } from '../../src/management/job-order.js';
import { pageIndex } from '../../src/management/page-query.js';
import { RETRYABLE_STATUSES } from '../../src/management/retry-job.js';
import { RETRY_BATCH } from '../../src/management/retry-jobs.js';
import { resolveMonqueOptions } from '../../src/options.js';
import { MAX_FAIL_REASON_LENGTH } from '../../src/processing/outcome.js';
import { PROGRESS_WRITE_INTERVAL } from '../../src/processing/progress-reporter.js';
import { DEFAULT_RETENTION } from '../../src/processing/retention.js';

const coreRoot = fileURLToPath(new URL('../..', import.meta.url));
const page = readFileSync(
  new URL('../../../docs/src/content/docs/guides/managing-jobs.md', import.meta.url),
  'utf8',
);

/** The page's TypeScript code blocks, in order, with the options of their fence. */
const blocks = [...page.matchAll(/^```ts( continued)?\n([\s\S]*?)^```$/gm)].map((match) => ({
  continued: match[1] !== undefined,
  code: match[2] as string,
}));

/**
 * The page as one module, as a reader runs it: the set-up block, then each later block (marked
 * `continued`, a later step of the same program) after it.
 */
function pageAsModule(): string {
  return blocks.map((block) => block.code).join('');
}

/** Type-checks `source` as a module next to the core sources, with `@monque/core` → `src`. */
function typeErrors(source: string): string[] {
  const file = `${coreRoot}docs-managing-jobs.ts`;
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2023.d.ts'],
    types: ['node'],
    strict: true,
    noUncheckedIndexedAccess: true,
    skipLibCheck: true,
    noEmit: true,
    paths: { '@monque/core': [`${coreRoot}src/index.ts`] },
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (name) => (name === file ? source : readFile(name));
  host.fileExists = (name) => name === file || ts.sys.fileExists(name);
  host.getSourceFile = (name, language, ...rest) =>
    name === file
      ? ts.createSourceFile(name, source, language)
      : getSourceFile(name, language, ...rest);
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const where =
      diagnostic.file && diagnostic.start !== undefined
        ? `${diagnostic.file.fileName === file ? 'page' : diagnostic.file.fileName}:${
            diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line + 1
          }: `
        : '';
    return where + ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
  });
}

/** The rows of the Markdown table whose header starts with `| first |`. */
function tableRows(first: string): string[][] {
  const lines = page.split('\n');
  const start = lines.findIndex((line) => new RegExp(`^\\|\\s*${first}\\s*\\|`).test(line));
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim()),
    );
  }
  return rows;
}

describe('the Managing jobs guide', () => {
  it('has a code block for each method, each a later step of the set-up program', () => {
    const methods = ['getJob(', 'findJobs(', 'getStats(', 'retryJob(', 'retryJobs('];
    methods.push('rescheduleJob(', 'deleteJob(', 'deleteJobs(');
    for (const method of methods) {
      expect(blocks.some((block) => block.code.includes(`monque.${method}`))).toBe(true);
    }
    expect(blocks.map((block) => block.continued)).toEqual([
      false,
      ...blocks.slice(1).map(() => true),
    ]);
  });

  it('has code blocks that compile as TypeScript', () => {
    expect(typeErrors(pageAsModule())).toEqual([]);
  }, 60_000);

  it('would report a block that does not compile', () => {
    expect(typeErrors(`${pageAsModule()}\nawait monque.findJobs({ state: 'failed' });\n`)).toEqual([
      expect.stringMatching(/^page:\d+: Object literal may only specify known properties/),
    ]);
  }, 60_000);

  it('lists, for each order, the index that findJobs names, with its key', () => {
    const keys = new Map(
      JOB_INDEXES.map((index) => [
        index.name,
        `{ ${Object.entries(index.key)
          .map(([f, d]) => `${f}: ${d}`)
          .join(', ')} }`,
      ]),
    );
    const rows = tableRows('Order');
    expect(rows).toHaveLength(4);
    for (const [orders = '', index = '', key = ''] of rows) {
      const name = index.replaceAll('`', '');
      expect(key.replaceAll('`', '')).toBe(keys.get(name));
      const filter = checkJobFilter(orders.includes('one `name`') ? { name: 'a' } : {});
      for (const order of orders.matchAll(/`(-?\w+)`/g)) {
        if (order[1] === 'name') continue;
        expect(pageIndex(filter, readJobOrder(order[1]))).toBe(name);
      }
    }
  });

  it('states the limits the code enforces', () => {
    expect(page).toContain(`(1–${MAX_PAGE_LIMIT},\ndefault ${DEFAULT_PAGE_LIMIT})`);
    expect(page).toContain(`a list of up to ${MAX_FILTER_NAMES}`);
    expect(page).toContain(`up to ${MAX_FILTER_DATA_PATHS} paths`);
    const text = page.replace(/\s+/g, ' ');
    expect(text).toContain(`a \`bulkWrite\` per ${RETRY_BATCH} jobs`);
    expect(text).toContain(`cut to ${MAX_ATTEMPT_REASON_LENGTH} characters`);
    expect(text).toContain(`\`reason\` (at most ${MAX_FAIL_REASON_LENGTH} characters)`);
    expect(MAX_PROGRESS_SIZE).toBe(1024);
    expect(text).toContain('(at most 1 KiB once BSON-encoded)');
    expect(PROGRESS_WRITE_INTERVAL).toBe(1000);
    expect(text).toContain('at most once a second per job');
    expect(resolveMonqueOptions().maxResultSize).toBe(1024 * 1024);
    expect(text).toContain('(1 MiB by default)');
  });

  it('lists the statuses each action accepts, as the code does', () => {
    const accepts = new Map(
      tableRows('Method').map(([method = '', statuses = '']) => [
        method.replaceAll('`', ''),
        [...statuses.matchAll(/`(\w+)`/g)].map(([, status]) => status),
      ]),
    );
    expect(Object.fromEntries(accepts)).toEqual({
      retryJob: [...RETRYABLE_STATUSES],
      rescheduleJob: ['pending'],
      deleteJob: [...DELETABLE_STATUSES],
    });
  });

  it('states the default retention of each status', () => {
    const DAY = 24 * 60 * 60 * 1000;
    const stated = Object.fromEntries(
      tableRows('Status').map(([status = '', kept = '']) => [
        status.replaceAll('`', ''),
        Number(/^(\d+) days$/.exec(kept)?.[1]) * DAY,
      ]),
    );
    expect(stated).toEqual({ ...DEFAULT_RETENTION });
  });
});
