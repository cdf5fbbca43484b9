import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { JobDocument, Monque } from '@monque/core';
import { createJobDocument } from '@monque/core/testing';
import { MongoEmulator } from '@monque/mongo-emulator';
import { openTestDatabase, type TestDatabase } from '@monque/test-support';
import { type Collection, MongoClient, ObjectId } from 'mongodb';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDashboard, type DashboardHandler } from '../src/index.js';
import { launchChromium, shouldRunBrowserTests, type TestBrowser } from './support/chromium.js';
import { serve, type TestServer } from './support/http.js';
import { idleMonque } from './support/monque.js';
import { QueueProcess } from './support/queue-process.js';

const HOUR = 3_600_000;
const SCREENSHOTS = fileURLToPath(new URL('../test-output/screenshots/', import.meta.url));
const README_SCREENSHOT = fileURLToPath(new URL('../docs/overview.png', import.meta.url));
const README_JOB_SCREENSHOT = fileURLToPath(new URL('../docs/job.png', import.meta.url));
const XSS = `<script>window.__xss=1</script>"'><img src=x onerror="window.__xss=2"></textarea><b>`;

describe.runIf(shouldRunBrowserTests())('dashboard in Chromium', () => {
  let database: TestDatabase;
  let jobs: Collection<JobDocument>;
  let showcase: Collection<JobDocument>;
  let server: TestServer;
  let browser: TestBrowser;
  let queue: QueueProcess;
  let page: Page;
  /** The main dashboard's Monque: never started, it only reads and acts. */
  let monque: Monque;
  const dashboards: DashboardHandler[] = [];

  beforeAll(async () => {
    database = await openTestDatabase('dashboard_browser');
    jobs = database.db.collection<JobDocument>('jobs');
    showcase = database.db.collection<JobDocument>('showcase');
    // An hour between periodic reads: what the page shows within the test came over the
    // change stream.
    monque = idleMonque(database.db, jobs.collectionName);
    const main = createDashboard({
      monque,
      basePath: '/queue',
      refreshInterval: HOUR,
    });
    const readOnly = createDashboard({
      monque: idleMonque(database.db, jobs.collectionName),
      basePath: '/read-only',
      readOnly: true,
    });
    const shown = createDashboard({
      monque: idleMonque(database.db, showcase.collectionName),
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
    const flakyMonque = idleMonque(database.db, 'flaky');
    const getStats = flakyMonque.getStats.bind(flakyMonque);
    let failing = false;
    vi.spyOn(flakyMonque, 'getStats').mockImplementation((options) =>
      failing ? Promise.reject(new Error('not primary')) : getStats(options),
    );
    const flaky = createDashboard({
      monque: flakyMonque,
      refreshInterval: HOUR,
      onError: () => {},
    });
    const flakyServer = await serve(flaky);
    try {
      await page.goto(`${flakyServer.url}/`);
      await page.locator('#live-status[data-live-mode="live"]').waitFor();
      failing = true;
      await flakyMonque.collection.insertOne(createJobDocument({ name: 'while-failing' }));
      await page.locator('#live-status[data-live-mode="problem"]').waitFor();
      await expect(page.locator('#live-status').textContent()).resolves.toBe(
        'Could not read the figures: not primary',
      );
      failing = false;
      await flakyMonque.collection.insertOne(createJobDocument({ name: 'after-recovery' }));
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
      monque: idleMonque(client.db('standalone'), 'jobs'),
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
          progress: 40,
        },
      },
    );
    await page.locator('#live-figures .status-processing').waitFor();
    await expect(page.locator('[data-action]').allTextContents()).resolves.toEqual(['Cancel…']);
    await expect(page.locator('#live-figures').textContent()).resolves.toContain('worker-z');
    await expect(page.locator('#progress-bar').getAttribute('value')).resolves.toBe('40');
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

  it('retries a failed job from its page; a worker in another process runs it again', async () => {
    const failed = queue.waitFor(/^settled flaky-job (\w{24}) failed$/m);
    await queue.send('enqueue flaky-job 1');
    const id = (await failed)[1] ?? '';
    await page.goto(url('/queue/jobs?status=failed&name=flaky-job'));
    await page.getByRole('link', { name: /^flaky-job #/ }).click();
    await expect(page.locator('.failure-reason').textContent()).resolves.toBe(
      'card declined, try again',
    );
    await expect(page.locator('table.history td.reason').allTextContents()).resolves.toEqual([
      'card declined, try again',
    ]);
    const retried = new Promise<JobDocument>((resolve) =>
      monque.once('job:retried', ({ job }) => resolve(job)),
    );
    // By keyboard: the action is a link, the confirmation a button.
    await page.getByRole('link', { name: 'Retry…' }).focus();
    await page.keyboard.press('Enter');
    await expect(page.locator('h1').textContent()).resolves.toMatch(/^Retry flaky-job #\w{6}\?$/);
    await page.getByRole('button', { name: 'Retry job' }).focus();
    await page.keyboard.press('Enter');
    await expect(page.locator('#outcome').textContent()).resolves.toBe(
      'Retried: the job is pending and due now.',
    );
    // As written by the retry: pending, due now, failure count reset, its failure kept.
    expect(await retried).toMatchObject({
      status: 'pending',
      failCount: 0,
      lastFailure: { reason: 'card declined, try again', attempt: 1 },
    });
    await queue.waitFor(new RegExp(`^settled flaky-job ${id} completed$`, 'm'));
    // The page follows the job without a reload.
    await page.locator('#live-figures dl .status-completed').waitFor();
    await expect(page.locator('table.history tbody th').allTextContents()).resolves.toEqual([
      '2',
      '1',
    ]);
    expect(await jobs.findOne({ _id: new ObjectId(id) })).toMatchObject({
      status: 'completed',
      result: { charged: 0 },
      history: [{ outcome: 'failed' }, { outcome: 'completed' }],
    });
  });

  it('cancels a job another process is running: its handler is aborted, the job cancelled', async () => {
    const started = queue.waitFor(/^started slow-job (\w{24})$/m);
    await queue.send('enqueue slow-job 1');
    const id = (await started)[1] ?? '';
    await page.goto(url(`/queue/jobs/${id}`));
    await page.locator('#live-status[data-live-mode="live"]').waitFor();
    // Progress the handler reports reaches the open page over the live stream.
    await queue.send(`progress ${id} 70`);
    await page.locator('#progress-bar[value="70"]').waitFor();
    await expect(page.locator('[data-field="progress"]').textContent()).resolves.toBe('70 %');
    await page.getByRole('link', { name: 'Cancel…' }).click();
    await page.getByRole('button', { name: 'Cancel job' }).click();
    await expect(page.locator('#outcome').textContent()).resolves.toMatch(
      /^Cancel requested: the instance running the job \(\S+\) will stop it and mark it cancelled\.$/,
    );
    await queue.waitFor(new RegExp(`^aborted slow-job ${id} JobCancelledError$`, 'm'));
    await queue.waitFor(new RegExp(`^cancelled slow-job ${id}$`, 'm'));
    expect(await jobs.findOne({ _id: new ObjectId(id) })).toMatchObject({
      status: 'cancelled',
      claimedBy: null,
      history: [{ outcome: 'cancelled' }],
    });
    await page.locator('#live-figures dl .status-cancelled').waitFor();
    await expect(page.locator('[data-action]').allTextContents()).resolves.toEqual([
      'Retry…',
      'Delete…',
    ]);
  });

  it('reschedules and then deletes a pending job from its page', async () => {
    const parked = createJobDocument({
      name: 'parked-job',
      nextRunAt: new Date(Date.UTC(2031, 0, 1)),
    });
    await jobs.insertOne(parked);
    await page.goto(url(`/queue/jobs/${parked._id.toHexString()}`));
    await page.getByRole('link', { name: 'Reschedule…' }).click();
    await page.getByLabel('Run at (UTC)').fill('2032-02-03T04:05:06');
    await page.getByRole('button', { name: 'Reschedule job' }).click();
    await expect(page.locator('#outcome').textContent()).resolves.toBe(
      'Rescheduled: the job is due at 2032-02-03 04:05:06Z.',
    );
    expect((await jobs.findOne({ _id: parked._id }))?.nextRunAt).toEqual(
      new Date('2032-02-03T04:05:06Z'),
    );
    await page.getByRole('link', { name: 'Delete…' }).click();
    await page.getByRole('button', { name: 'Delete job' }).click();
    await expect(page.locator('#outcome').textContent()).resolves.toBe(
      'The job was removed from the collection.',
    );
    await expect(jobs.countDocuments({ _id: parked._id })).resolves.toBe(0);
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
    const at = new Date();
    const job = createJobDocument({
      name: XSS,
      status: 'failed',
      failReason: XSS,
      data: { [XSS]: XSS } as unknown as null,
      result: { [XSS]: XSS },
      progress: { [XSS]: XSS },
      lastFailure: { reason: XSS, at, attempt: 1 },
      history: [{ attempt: 1, outcome: 'failed', claimedAt: at, endedAt: at, reason: XSS }],
    });
    await jobs.insertOne(job);
    await page.goto(url(`/queue/jobs/${job._id.toHexString()}`));
    await expect(page.locator('h1').textContent()).resolves.toBe(
      `${XSS} #${job._id.toHexString().slice(-6)}`,
    );
    await expect(page.locator('.failure-reason').textContent()).resolves.toBe(XSS);
    await expect(page.locator('table.history td.reason').textContent()).resolves.toBe(XSS);
    for (const heading of ['Progress', 'Data', 'Result']) {
      const value = page.locator('section', {
        has: page.getByRole('heading', { name: heading, exact: true }),
      });
      await expect(value.locator('pre.value').textContent(), heading).resolves.toBe(
        `{\n  ${JSON.stringify(XSS)}: ${JSON.stringify(XSS)}\n}`,
      );
    }
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
    add('resize-image', 'processing', 2, {
      claimedBy: 'worker-b21e',
      lastHeartbeat: new Date(now - 800),
    });
    // The job the job page shows: running its third attempt, after two failures.
    const running = createJobDocument({
      name: 'resize-image',
      status: 'processing',
      data: { image: 'uploads/2026/03/team-photo.jpg', sizes: [320, 640, 1280] } as unknown as null,
      claimedBy: 'worker-b21e',
      lockedAt: new Date(now - 41_000),
      lastHeartbeat: new Date(now - 800),
      createdAt: new Date(now - 400_000),
      updatedAt: new Date(now - 1500),
      nextRunAt: new Date(now - 42_000),
      failCount: 2,
      failReason: 'image service answered 503',
      timeout: 300_000,
      progress: 62,
      lastFailure: { reason: 'image service answered 503', at: new Date(now - 90_000), attempt: 2 },
      history: [
        {
          attempt: 1,
          outcome: 'failed',
          claimedAt: new Date(now - 330_000),
          endedAt: new Date(now - 300_000),
          reason: 'connection reset by image service',
        },
        {
          attempt: 2,
          outcome: 'failed',
          claimedAt: new Date(now - 120_000),
          endedAt: new Date(now - 90_000),
          reason: 'image service answered 503',
        },
      ],
    });
    docs.push(running);
    await showcase.insertMany(docs);
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(url('/showcase/'));
    await page.locator('#live-status[data-live-mode="live"]').waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}overview.png`, fullPage: true });
    const png = readFileSync(`${SCREENSHOTS}overview.png`);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(1280);
    await page.goto(url(`/showcase/jobs/${running._id.toHexString()}`));
    await page.locator('#live-status[data-live-mode="live"]').waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}job.png`, fullPage: true });
    if (process.env.UPDATE_SCREENSHOTS === '1') {
      copyFileSync(`${SCREENSHOTS}overview.png`, README_SCREENSHOT);
      copyFileSync(`${SCREENSHOTS}job.png`, README_JOB_SCREENSHOT);
    }

    await page.setViewportSize({ width: 390, height: 844 });
    for (const [path, file] of [
      ['/showcase/', 'phone-overview.png'],
      ['/showcase/jobs', 'phone-jobs.png'],
      ['/showcase/schedules', 'phone-schedules.png'],
      [`/showcase/jobs/${running._id.toHexString()}`, 'phone-job.png'],
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
