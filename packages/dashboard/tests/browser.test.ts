import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { JobDocument } from '@monque/core';
import { createJobDocument } from '@monque/core/testing';
import { MongoEmulator } from '@monque/mongo-emulator';
import { openTestDatabase, type TestDatabase } from '@monque/test-support';
import { type Collection, MongoClient, ObjectId } from 'mongodb';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDashboard, type DashboardHandler } from '../src/index.js';
import { launchChromium, shouldRunBrowserTests, type TestBrowser } from './support/chromium.js';
import { testManagement } from './support/fake-management.js';
import { serve, type TestServer } from './support/http.js';
import { QueueProcess } from './support/queue-process.js';

const HOUR = 3_600_000;
const SCREENSHOTS = fileURLToPath(new URL('../test-output/screenshots/', import.meta.url));
const README_SCREENSHOT = fileURLToPath(new URL('../docs/overview.png', import.meta.url));
const XSS = `<script>window.__xss=1</script>"'><img src=x onerror="window.__xss=2"></textarea><b>`;

describe.runIf(shouldRunBrowserTests())('dashboard in Chromium', () => {
  let database: TestDatabase;
  let jobs: Collection<JobDocument>;
  let showcase: Collection<JobDocument>;
  let server: TestServer;
  let browser: TestBrowser;
  let queue: QueueProcess;
  let page: Page;
  const dashboards: DashboardHandler[] = [];

  beforeAll(async () => {
    database = await openTestDatabase('dashboard_browser');
    jobs = database.db.collection<JobDocument>('jobs');
    showcase = database.db.collection<JobDocument>('showcase');
    // An hour between periodic reads: what the page shows within the test came over the
    // change stream.
    const main = createDashboard({
      monque: testManagement(database.db, jobs.collectionName),
      basePath: '/queue',
      refreshInterval: HOUR,
    });
    const readOnly = createDashboard({
      monque: testManagement(database.db, jobs.collectionName),
      basePath: '/read-only',
      readOnly: true,
    });
    const shown = createDashboard({
      monque: testManagement(database.db, showcase.collectionName),
      basePath: '/showcase',
      refreshInterval: HOUR,
    });
    dashboards.push(main, readOnly, shown);
    server = await serve((req, res) =>
      main(req, res, () => readOnly(req, res, () => shown(req, res))),
    );
    queue = new QueueProcess(database.uri, database.db.databaseName, 'jobs');
    browser = await launchChromium();
    page = await browser.context.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await queue?.stop();
    for (const dashboard of dashboards) await dashboard.close();
    await server?.close();
    await database?.cleanup();
  });

  const url = (path: string): string => `${server.url}${path}`;
  const cell = (name: string, status: string): string =>
    `#live-figures tr[data-name="${name}"] td[data-status="${status}"]`;

  it('updates the overview live while another process enqueues and completes jobs', async () => {
    await page.goto(url('/queue/'));
    await page.locator('#live-status[data-live-mode="live"]').waitFor();
    await expect(page.locator('#live-status').textContent()).resolves.toBe(
      'Live: updates as jobs change.',
    );
    await page.evaluate('window.notReloaded = true');
    await queue.send('enqueue quick-job 3');
    await page.locator(cell('quick-job', 'pending')).filter({ hasText: /^3$/ }).waitFor();
    await queue.send('start');
    await page.locator(cell('quick-job', 'completed')).filter({ hasText: /^3$/ }).waitFor();
    await page.locator(cell('quick-job', 'pending')).filter({ hasText: /^0$/ }).waitFor();
    const minute = page.locator('tr[data-name="quick-job"] td[data-figure="completed-minute"]');
    await expect(minute.textContent()).resolves.toBe('3');
    await expect(page.evaluate('window.notReloaded')).resolves.toBe(true);
  });

  it('shows when the figures cannot be read, and recovers', async () => {
    const management = testManagement(database.db, 'flaky');
    let failing = false;
    const flaky = createDashboard({
      monque: {
        ...management,
        getStats: () =>
          failing ? Promise.reject(new Error('not primary')) : management.monque.getStats(),
      },
      refreshInterval: HOUR,
      onError: () => {},
    });
    const flakyServer = await serve(flaky);
    try {
      await page.goto(`${flakyServer.url}/`);
      await page.locator('#live-status[data-live-mode="live"]').waitFor();
      failing = true;
      await management.monque.collection.insertOne(createJobDocument({ name: 'while-failing' }));
      await page.locator('#live-status[data-live-mode="problem"]').waitFor();
      await expect(page.locator('#live-status').textContent()).resolves.toBe(
        'Could not read the figures: not primary',
      );
      failing = false;
      await management.monque.collection.insertOne(createJobDocument({ name: 'after-recovery' }));
      await page.locator('#live-figures tr[data-name="after-recovery"]').waitFor();
      await expect(page.locator('#live-status').getAttribute('data-live-mode')).resolves.toBe(
        'live',
      );
    } finally {
      await flaky.close();
      await flakyServer.close();
    }
  });

  it('refreshes periodically, and says so, where change streams are unavailable', async () => {
    const emulator = await MongoEmulator.start({ port: 0, replicaSet: false });
    const client = await new MongoClient(emulator.uri).connect();
    const standalone = createDashboard({
      monque: testManagement(client.db('standalone'), 'jobs'),
      refreshInterval: 200,
    });
    const standaloneServer = await serve(standalone);
    try {
      await page.goto(`${standaloneServer.url}/`);
      await page.locator('#live-status[data-live-mode="polling"]').waitFor();
      await expect(page.locator('#live-status').textContent()).resolves.toBe(
        'Refreshing periodically: change streams need a replica set or a sharded cluster; figures refresh periodically.',
      );
      await client
        .db('standalone')
        .collection<JobDocument>('jobs')
        .insertOne(createJobDocument({ name: 'seen-by-refresh' }));
      await page.locator(cell('seen-by-refresh', 'pending')).filter({ hasText: /^1$/ }).waitFor();
    } finally {
      await standalone.close();
      await standaloneServer.close();
      await client.close();
      await emulator.stop();
    }
  });

  it('updates a job’s page live, actions included, as the job changes', async () => {
    const job = createJobDocument({ name: 'watched-job', status: 'failed', failReason: 'boom' });
    await jobs.insertOne(job);
    await page.goto(url(`/queue/jobs/${job._id.toHexString()}`));
    await page.locator('#live-status[data-live-mode="live"]').waitFor();
    await page.evaluate('window.notReloaded = true');
    await expect(page.locator('[data-action]').allTextContents()).resolves.toEqual([
      'Retry…',
      'Delete…',
    ]);
    await jobs.updateOne(
      { _id: job._id },
      {
        $set: {
          status: 'processing',
          claimedBy: 'worker-z',
          lastHeartbeat: new Date(),
          progress: { percent: 40 },
        } as Partial<JobDocument>,
      },
    );
    await page.locator('#live-figures .status-processing').waitFor();
    await expect(page.locator('[data-action]').allTextContents()).resolves.toEqual(['Cancel…']);
    await expect(page.locator('#live-figures').textContent()).resolves.toContain('worker-z');
    await expect(page.locator('#live-figures pre.value').nth(1).textContent()).resolves.toContain(
      '"percent": 40',
    );
    await expect(page.evaluate('window.notReloaded')).resolves.toBe(true);
  });

  it('filters jobs by name and data, and pages through them', async () => {
    await jobs.insertMany(
      Array.from({ length: 60 }, (_, index) =>
        createJobDocument({
          name: index < 55 ? 'filter-me' : 'other-name',
          data: { customer: { id: index % 2 }, index } as unknown as null,
          createdAt: new Date(Date.UTC(2030, 0, 1, 0, 0, index)),
          nextRunAt: new Date(Date.UTC(2031, 0, 1)),
        }),
      ),
    );
    await page.goto(url('/queue/jobs'));
    await page.getByLabel('Name', { exact: true }).fill('filter-me');
    await page.getByLabel('Data field equals').first().fill('customer.id=1');
    await page.getByLabel('Per page').selectOption('25');
    await page.getByLabel('Sort').selectOption('createdAt');
    await page.getByLabel('Name', { exact: true }).press('Enter');
    await page.waitForURL(/customer.id%3D1/);
    const rows = page.locator('table.jobs tbody tr');
    await expect(rows.count()).resolves.toBe(25);
    const firstPage = await rows.locator('th a').allTextContents();
    expect(firstPage.every((label) => label.startsWith('filter-me #'))).toBe(true);
    await page.getByRole('link', { name: 'Next page' }).click();
    await page.waitForURL(/cursor=/);
    await expect(rows.count()).resolves.toBe(2);
    const secondPage = await rows.locator('th a').allTextContents();
    expect(secondPage.filter((label) => firstPage.includes(label))).toEqual([]);
    await expect(page.locator('.pager').textContent()).resolves.toContain('Last page');
    expect(firstPage.length + secondPage.length).toBe(
      await jobs.countDocuments({ name: 'filter-me', 'data.customer.id': 1 }),
    );
  });

  it('retries a failed job from its page, with a confirmation and a visible outcome', async () => {
    const failed = createJobDocument({
      name: 'charge-card',
      status: 'failed',
      failCount: 1,
      failReason: 'payment gateway timeout',
      data: { orderId: 'A-1001' } as unknown as null,
    });
    await jobs.insertOne(failed);
    await page.goto(url('/queue/jobs?status=failed&name=charge-card'));
    await page.getByRole('link', { name: /^charge-card #/ }).click();
    await expect(page.locator('.failure-reason').textContent()).resolves.toBe(
      'payment gateway timeout',
    );
    // By keyboard: the action is a link, the confirmation a button.
    await page.getByRole('link', { name: 'Retry…' }).focus();
    await page.keyboard.press('Enter');
    await expect(page.locator('h1').textContent()).resolves.toMatch(/^Retry charge-card #\w{6}\?$/);
    await page.getByRole('button', { name: 'Retry job' }).focus();
    await page.keyboard.press('Enter');
    await expect(page.locator('#outcome').textContent()).resolves.toBe(
      'Retried: the job is pending and due now.',
    );
    expect(await jobs.findOne({ _id: failed._id })).toMatchObject({
      status: 'pending',
      failCount: 0,
    });
  });

  it('cancels a job another process is running', async () => {
    const started = queue.waitFor(/^started slow-job (\w{24})$/m);
    await queue.send('enqueue slow-job 1');
    const id = (await started)[1] ?? '';
    await page.goto(url(`/queue/jobs/${id}`));
    await page.getByRole('link', { name: 'Cancel…' }).click();
    await page.getByRole('button', { name: 'Cancel job' }).click();
    await expect(page.locator('#outcome').textContent()).resolves.toMatch(/^Cancel requested/);
    const job = await jobs.findOne({ _id: new ObjectId(id) });
    expect(job).toMatchObject({ status: 'processing', cancelRequested: true });
  });

  it('read-only mode shows no action, and the server refuses actions with 403', async () => {
    const failed = createJobDocument({ name: 'read-only-case', status: 'failed' });
    await jobs.insertOne(failed);
    const id = failed._id.toHexString();
    await page.goto(url(`/read-only/jobs/${id}`));
    await expect(page.locator('h1').textContent()).resolves.toMatch(/^read-only-case #/);
    await expect(page.locator('[data-action]').count()).resolves.toBe(0);
    await expect(page.getByRole('heading', { name: 'Actions' }).count()).resolves.toBe(0);
    await expect(page.locator('.brand .badge').textContent()).resolves.toBe('read-only');
    // A token from the writable dashboard of the same browser does not help either.
    await page.goto(url(`/queue/jobs/${id}/retry`));
    const token = await page.locator('input[name="csrf"]').inputValue();
    const refused = await page.request.post(url(`/read-only/jobs/${id}/retry`), {
      form: { csrf: token },
    });
    expect(refused.status()).toBe(403);
    expect((await page.request.get(url(`/read-only/jobs/${id}/retry`))).status()).toBe(403);
    expect((await jobs.findOne({ _id: failed._id }))?.status).toBe('failed');
  });

  it('renders a payload of markup as text', async () => {
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    const job = createJobDocument({
      name: XSS,
      status: 'failed',
      failReason: XSS,
      data: { [XSS]: XSS } as unknown as null,
    });
    await jobs.insertOne(job);
    await page.goto(url(`/queue/jobs/${job._id.toHexString()}`));
    await expect(page.locator('h1').textContent()).resolves.toBe(
      `${XSS} #${job._id.toHexString().slice(-6)}`,
    );
    await expect(page.locator('.failure-reason').textContent()).resolves.toBe(XSS);
    await expect(page.locator('pre.value').first().textContent()).resolves.toContain(
      JSON.stringify(XSS),
    );
    await page.goto(url('/queue/'));
    await page.locator('#live-status[data-live-mode="live"]').waitFor();
    await expect(page.locator('#live-figures tbody th a').allTextContents()).resolves.toContain(
      XSS,
    );
    await expect(page.locator('img').count()).resolves.toBe(0);
    await expect(page.evaluate('window.__xss')).resolves.toBeUndefined();
    expect(dialogs).toEqual([]);
  });

  it('reads well on a laptop and a phone (screenshots)', async () => {
    const now = Date.now();
    const docs: JobDocument[] = [];
    const add = (
      name: string,
      status: JobDocument['status'],
      count: number,
      extra: Partial<JobDocument> = {},
    ) => {
      for (let index = 0; index < count; index++) {
        docs.push(
          createJobDocument({
            name,
            status,
            updatedAt: new Date(now - index * 7000),
            nextRunAt: new Date(now - 4000),
            ...extra,
          }),
        );
      }
    };
    add('send-email', 'completed', 42);
    add('send-email', 'pending', 7);
    add('send-email', 'processing', 2, {
      claimedBy: 'api-7f3c',
      lastHeartbeat: new Date(now - 1200),
    });
    add('charge-card', 'completed', 12);
    add('charge-card', 'failed', 1, { failReason: 'payment gateway timeout' });
    add('nightly-report', 'pending', 1, {
      repeatInterval: '0 3 * * *',
      timezone: 'Europe/Berlin',
      nextRunAt: new Date(now + 3_600_000),
    });
    add('resize-image', 'processing', 3, {
      claimedBy: 'worker-b21e',
      lastHeartbeat: new Date(now - 800),
    });
    await showcase.insertMany(docs);
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(url('/showcase/'));
    await page.locator('#live-status[data-live-mode="live"]').waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}overview.png`, fullPage: true });
    const png = readFileSync(`${SCREENSHOTS}overview.png`);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(1280);
    if (process.env.UPDATE_SCREENSHOTS === '1')
      copyFileSync(`${SCREENSHOTS}overview.png`, README_SCREENSHOT);

    await page.setViewportSize({ width: 390, height: 844 });
    for (const [path, file] of [
      ['/showcase/', 'phone-overview.png'],
      ['/showcase/jobs', 'phone-jobs.png'],
      ['/showcase/schedules', 'phone-schedules.png'],
      [`/showcase/jobs/${docs[0]?._id.toHexString()}`, 'phone-job.png'],
    ] as const) {
      await page.goto(url(path));
      // Wide tables scroll inside their own box: the page itself never scrolls sideways.
      const overflow = await page.evaluate(
        'document.documentElement.scrollWidth - document.documentElement.clientWidth',
      );
      expect(overflow, path).toBeLessThanOrEqual(0);
      await page.screenshot({ path: `${SCREENSHOTS}${file}`, fullPage: true });
    }
  });
});
