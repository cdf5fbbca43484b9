import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILD_STAMP_FILE, type BuildStamp, hashSiteInputs } from '../src/plugins/source-hash.ts';
import { findBrokenLinks, listHtmlFiles } from './links.ts';
import { type StaticServer, startStaticServer } from './static-server.ts';
import { findChromium } from './support/chromium.ts';

const docsRoot = fileURLToPath(new URL('..', import.meta.url));
const repositoryRoot = join(docsRoot, '..', '..');
const dist = join(docsRoot, 'dist');
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

// Without Chromium the browser tests skip on a developer's machine (saying so, loudly) and fail
// in CI (CI=true), where a skip would go unnoticed.
const browserLookup = findChromium();
if (browserLookup.kind === 'skip') {
  process.stderr.write(`\n!!! ${browserLookup.message}\n\n`);
}

function readStamp(): BuildStamp | undefined {
  const file = join(dist, BUILD_STAMP_FILE);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as BuildStamp) : undefined;
}

let building: Promise<BuildStamp> | undefined;

/**
 * The site in `dist`, built from the current sources: `npm test` builds it first (through
 * Turborepo); when `dist` is missing or was built from other sources, it is built here, once.
 */
function freshBuild(): Promise<BuildStamp> {
  building ??= (async () => {
    const inputsHash = hashSiteInputs(repositoryRoot);
    if (readStamp()?.inputsHash !== inputsHash) {
      await promisify(execFile)(
        join(repositoryRoot, 'node_modules', '.bin', 'turbo'),
        ['run', 'build', '--filter=@monque/docs...', '--output-logs=errors-only'],
        { cwd: repositoryRoot, maxBuffer: 64 * 1024 * 1024 },
      );
    }
    const stamp = readStamp();
    if (stamp?.inputsHash !== inputsHash) {
      throw new Error(
        `packages/docs/dist does not match the current sources after building (stamp ${stamp?.inputsHash ?? 'missing'}, sources ${inputsHash}).`,
      );
    }
    return stamp;
  })();
  return building;
}

describe('built site', () => {
  let stamp: BuildStamp;

  beforeAll(async () => {
    stamp = await freshBuild();
  });

  it('has every page', () => {
    const pages = listHtmlFiles(dist).map((file) => file.slice(dist.length + 1));
    for (const page of [
      'index.html',
      'getting-started/installation/index.html',
      'getting-started/quick-start/index.html',
      'getting-started/local-development/index.html',
      'concepts/events/index.html',
      'reference/options/index.html',
      'reference/errors/index.html',
      'concepts/jobs/index.html',
      'concepts/workers/index.html',
      'concepts/scheduling/index.html',
      'concepts/retries/index.html',
      'advanced/claiming/index.html',
      'advanced/change-streams/index.html',
      'advanced/heartbeats/index.html',
      'advanced/indexes/index.html',
      'advanced/production/index.html',
      'guides/testing/index.html',
      'guides/replica-set/index.html',
      'guides/migrating-from-agenda/index.html',
      'guides/polling-vs-change-streams/index.html',
      'reference/comparison/index.html',
      'reference/benchmarks/index.html',
      'reference/emulator/index.html',
      'api/monque/core/classes/monque/index.html',
      'api/monque/core/testing/functions/waitforjob/index.html',
    ]) {
      expect(pages).toContain(page);
    }
  });

  it('has no broken internal links or anchors', () => {
    const { broken, checked } = findBrokenLinks(dist, stamp.base);
    expect(checked).toBeGreaterThan(500);
    expect(broken).toEqual([]);
  });

  it('builds the emulator page from the emulator README', () => {
    const html = readFileSync(join(dist, 'reference/emulator/index.html'), 'utf8');
    const readme = readFileSync(join(repositoryRoot, 'packages/mongo-emulator/README.md'), 'utf8');
    for (const heading of readme.matchAll(/^#{2,3} (.+)$/gm)) {
      expect(html).toContain((heading[1] ?? '').replaceAll('&', '&#x26;'));
    }
  });
});

it.skipIf(browserLookup.kind === 'skip')(
  'has a Chromium for the browser tests (required under CI)',
  () => {
    if (browserLookup.kind === 'fail') throw new Error(browserLookup.message);
    expect(browserLookup.kind).toBe('found');
  },
);

describe.runIf(browserLookup.kind === 'found')('site in Chromium', () => {
  let server: StaticServer;
  let browser: Browser;
  const pages: Page[] = [];

  beforeAll(async () => {
    const stamp = await freshBuild();
    server = await startStaticServer(dist, stamp.base);
    const executablePath = browserLookup.kind === 'found' ? browserLookup.path : '';
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await Promise.all(pages.map((page) => page.close()));
    await browser?.close();
    await server?.close();
  });

  /** Opens a page of the site and fails on an HTTP error or an uncaught script error. */
  async function open(path: string): Promise<{ page: Page; scriptErrors: string[] }> {
    const page = await browser.newPage();
    pages.push(page);
    const scriptErrors: string[] = [];
    page.on('pageerror', (error) => scriptErrors.push(error.message));
    const response = await page.goto(new URL(path, server.url).href, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    return { page, scriptErrors };
  }

  /** The trimmed text of every element `selector` matches. */
  const texts = async (page: Page, selector: string): Promise<string[]> =>
    (await page.locator(selector).allTextContents()).map((text) => text.trim());

  const headings = (page: Page, level: 'h2' | 'h3') => texts(page, `.sl-markdown-content ${level}`);

  it('renders the home page', async () => {
    const { page, scriptErrors } = await open('');
    await expect(page.title()).resolves.toContain('Monque');
    expect((await page.locator('h1').first().textContent())?.trim()).toBe('Monque');
    const code = page.locator('.expressive-code pre');
    expect(await code.count()).toBeGreaterThanOrEqual(1);
    expect(await code.first().textContent()).toContain("monque.enqueue('send-email'");
    expect(await texts(page, '.card .title')).toContain('Atomic claims');
    expect(scriptErrors).toEqual([]);
  });

  it('renders the quick start', async () => {
    const { page, scriptErrors } = await open('getting-started/quick-start/');
    expect((await page.locator('h1').first().textContent())?.trim()).toBe('Quick start');
    expect(await headings(page, 'h2')).toEqual(
      expect.arrayContaining([
        '1. Create the scheduler',
        '2. Register workers',
        '3. Start, enqueue and schedule',
        '5. Stop gracefully',
      ]),
    );
    const code = await page.locator('.expressive-code pre').allTextContents();
    expect(code.length).toBeGreaterThanOrEqual(6);
    expect(code.join('\n')).toContain('await monque.start();');
    expect(scriptErrors).toEqual([]);
  });

  it('renders the API page of the Monque class from its TSDoc', async () => {
    const { page, scriptErrors } = await open('api/monque/core/classes/monque/');
    expect((await page.locator('h1').first().textContent())?.trim()).toBe('Monque');
    expect(await headings(page, 'h3')).toEqual(
      expect.arrayContaining(['enqueue()', 'schedule()', 'worker()', 'start()', 'stop()']),
    );
    const code = await page.locator('.expressive-code pre').allTextContents();
    expect(code.join('\n')).toContain('new Monque');
    expect(scriptErrors).toEqual([]);
  });

  it('renders the tables generated from the code', async () => {
    const events = await open('concepts/events/');
    const eventNames = await texts(
      events.page,
      '.sl-markdown-content table:first-of-type tbody td:first-child',
    );
    expect(eventNames).toEqual(expect.arrayContaining(['job:start', 'job:complete', 'job:error']));
    const options = await open('reference/options/');
    const rows = await options.page
      .locator('.sl-markdown-content table tbody tr')
      .allTextContents();
    expect(rows.some((row) => row.includes('pollInterval') && row.includes('1 s'))).toBe(true);
    expect([...events.scriptErrors, ...options.scriptErrors]).toEqual([]);
  });

  it('renders the lifecycle diagram and the backoff table', async () => {
    const jobs = await open('concepts/jobs/');
    const labels = await jobs.page.locator('figure.lifecycle svg text').allTextContents();
    expect(labels.map((label) => label.trim())).toEqual(
      expect.arrayContaining(['pending', 'processing', 'completed', 'failed', 'stale takeover']),
    );
    const retries = await open('concepts/retries/');
    const firstRow = await retries.page
      .locator('table.backoff-table tbody tr')
      .first()
      .locator('td')
      .allTextContents();
    expect([firstRow[0], firstRow[2]]).toEqual(['1', '2 s']);
    expect(await retries.page.locator('table.backoff-table tbody').textContent()).toContain(
      '24 h (capped by maxBackoffDelay)',
    );
    expect([...jobs.scriptErrors, ...retries.scriptErrors]).toEqual([]);
  });
});
