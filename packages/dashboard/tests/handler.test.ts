import type { JobDocument, Monque } from '@monque/core';
import { createJobDocument } from '@monque/core/testing';
import { openTestDatabase, type TestDatabase } from '@monque/test-support';
import type { Collection } from 'mongodb';
import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  expectTypeOf,
  it,
  vi,
} from 'vitest';
import {
  createDashboard,
  type DashboardAction,
  type DashboardHandler,
  type QueueManagement,
} from '../src/index.js';
import { csrfTokenOf, serve, TestClient, type TestServer } from './support/http.js';
import { idleMonque } from './support/monque.js';

let database: TestDatabase;
let jobs: Collection<JobDocument>;
const open: { dashboard: DashboardHandler; server: TestServer }[] = [];

beforeAll(async () => {
  database = await openTestDatabase('dashboard_handler');
});
afterAll(() => database.cleanup());
beforeEach(async () => {
  jobs = database.db.collection<JobDocument>(`jobs_${Math.random().toString(36).slice(2)}`);
});
afterEach(async () => {
  for (const { dashboard, server } of open.splice(0)) {
    await dashboard.close();
    await server.close();
  }
});

async function start(
  options: Partial<Parameters<typeof createDashboard>[0]> = {},
  serveOptions: { remoteAddress?: string } = {},
): Promise<{ client: TestClient; monque: Monque; url: string }> {
  const monque = idleMonque(database.db, jobs.collectionName);
  // Spied on, still called through: tests check which actions the dashboard asked for.
  for (const method of ['retryJob', 'rescheduleJob', 'cancelJob', 'deleteJob'] as const) {
    vi.spyOn(monque, method);
  }
  const dashboard = createDashboard({ monque, ...options } as Parameters<
    typeof createDashboard
  >[0]);
  const server = await serve(dashboard, serveOptions);
  open.push({ dashboard, server });
  return { client: new TestClient(server.url), monque, url: server.url };
}

describe('routing', () => {
  it('serves the pages under the base path and passes other requests to next()', async () => {
    const dashboard = createDashboard({
      monque: idleMonque(database.db, jobs.collectionName),
      basePath: '/admin/queue',
    });
    const passedOn: string[] = [];
    const server = await serve((req, res) =>
      dashboard(req, res, () => {
        passedOn.push(req.url ?? '');
        res.end('app');
      }),
    );
    open.push({ dashboard, server });
    const client = new TestClient(server.url);
    for (const path of [
      '/admin/queue',
      '/admin/queue/',
      '/admin/queue/jobs',
      '/admin/queue/schedules',
    ]) {
      const page = await client.page(path);
      expect(page.status, path).toBe(200);
      expect(page.html).toContain('href="/admin/queue/jobs"');
    }
    expect((await client.page('/admin/queueing')).html).toBe('app');
    expect((await client.page('/other')).html).toBe('app');
    expect(passedOn).toEqual(['/admin/queueing', '/other']);
  });

  it('answers 404 outside its base path when there is no next()', async () => {
    const dashboard = createDashboard({
      monque: idleMonque(database.db, jobs.collectionName),
      basePath: '/queue',
    });
    const server = await serve(dashboard);
    open.push({ dashboard, server });
    const client = new TestClient(server.url);
    expect((await client.page('/elsewhere')).status).toBe(404);
    expect((await client.page('/queue/no-such-page')).status).toBe(404);
    expect((await client.page(`/queue/jobs/${'0'.repeat(24)}`)).status).toBe(404);
    expect((await client.page('/queue/jobs/not-an-id')).status).toBe(404);
  });

  it('refuses other methods with 405 and says which are allowed', async () => {
    const { client } = await start();
    const response = await client.request('/jobs', { method: 'DELETE' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
    const post = await client.post('/', {});
    expect(post.status).toBe(405);
  });

  it('sends a strict content security policy and no-store on pages, and versioned assets', async () => {
    const { client } = await start();
    const page = await client.page('/');
    expect(page.response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.response.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.response.headers.get('cache-control')).toBe('no-store');
    const script = /<script src="([^"]+)"/.exec(page.html)?.[1] ?? '';
    const stylesheet = /<link rel="stylesheet" href="([^"]+)"/.exec(page.html)?.[1] ?? '';
    const js = await client.request(script);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toContain('javascript');
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect(await js.text()).toContain('EventSource');
    const css = await client.request(stylesheet);
    expect(css.headers.get('content-type')).toContain('text/css');
    expect((await client.request('/assets/other.js')).status).toBe(404);
  });
});

describe('authorize', () => {
  it('by default serves loopback clients and refuses every other address with 403', async () => {
    await jobs.insertOne(createJobDocument({ name: 'secret-report' }));
    for (const address of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) {
      const { client } = await start({}, { remoteAddress: address });
      expect((await client.page('/')).status, address).toBe(200);
    }
    for (const address of ['203.0.113.9', '10.0.0.5', '::ffff:192.168.1.2', 'fe80::1']) {
      const { client } = await start({}, { remoteAddress: address });
      for (const path of ['/', '/jobs', '/events', '/schedules']) {
        const page = await client.page(path);
        expect(page.status, `${address} ${path}`).toBe(403);
        expect(page.html).not.toContain('secret-report');
      }
    }
  });

  it('asks authorize for each action and shows only the allowed ones', async () => {
    const job = createJobDocument({ name: 'report', status: 'failed', failReason: 'boom' });
    await jobs.insertOne(job);
    const asked: DashboardAction[] = [];
    const { client, monque } = await start(
      {
        authorize: async (_req, action) => {
          asked.push(action);
          return action === 'view' || action === 'delete';
        },
      },
      { remoteAddress: '203.0.113.9' },
    );
    const id = job._id.toHexString();
    const detail = await client.page(`/jobs/${id}`);
    expect(detail.status).toBe(200);
    expect(detail.html).toContain(`href="/jobs/${id}/delete"`);
    expect(detail.html).not.toContain(`href="/jobs/${id}/retry"`);
    expect(asked).toEqual(['view', 'retry', 'reschedule', 'cancel', 'delete']);
    expect((await client.page(`/jobs/${id}/retry`)).status).toBe(403);
    const confirm = await client.page(`/jobs/${id}/delete`);
    expect(confirm.status).toBe(200);
    const refused = await client.post(`/jobs/${id}/retry`, { csrf: csrfTokenOf(confirm.html) });
    expect(refused.status).toBe(403);
    expect(monque.retryJob).not.toHaveBeenCalled();
    expect((await jobs.findOne({ _id: job._id }))?.status).toBe('failed');
  });

  it('refuses, and reports, when authorize throws', async () => {
    const errors: Error[] = [];
    const { client } = await start({
      authorize: () => {
        throw new Error('directory unavailable');
      },
      onError: (error) => errors.push(error),
    });
    expect((await client.page('/')).status).toBe(403);
    expect(errors.map((error) => error.message)).toEqual([
      '@monque/dashboard: authorize threw for view: directory unavailable',
    ]);
  });
});

describe('actions', () => {
  async function confirmAndPost(
    client: TestClient,
    id: string,
    action: string,
    fields: Record<string, string> = {},
  ): Promise<{ status: number; html: string }> {
    const confirm = await client.page(`/jobs/${id}/${action}`);
    expect(confirm.status).toBe(200);
    expect(confirm.html).toContain(`<form method="post" action="/jobs/${id}/${action}"`);
    return client.post(`/jobs/${id}/${action}`, { csrf: csrfTokenOf(confirm.html), ...fields });
  }

  it('retries a failed job after confirmation and shows the outcome', async () => {
    const job = createJobDocument({
      name: 'charge',
      status: 'failed',
      failCount: 3,
      failReason: 'gateway down',
    });
    await jobs.insertOne(job);
    const { client } = await start();
    const id = job._id.toHexString();
    const detail = await client.page(`/jobs/${id}`);
    expect(detail.html).toContain(`href="/jobs/${id}/retry"`);
    const result = await confirmAndPost(client, id, 'retry');
    expect(result.status).toBe(200);
    expect(result.html).toContain('Retried: the job is pending and due now.');
    expect(await jobs.findOne({ _id: job._id })).toMatchObject({ status: 'pending', failCount: 0 });
  });

  it('reschedules a pending job to the given UTC time', async () => {
    const job = createJobDocument({ name: 'report' });
    await jobs.insertOne(job);
    const { client } = await start();
    const result = await confirmAndPost(client, job._id.toHexString(), 'reschedule', {
      runAt: '2031-05-06T07:08:09',
    });
    expect(result.status).toBe(200);
    expect(result.html).toContain('Rescheduled: the job is due at 2031-05-06 07:08:09Z.');
    expect((await jobs.findOne({ _id: job._id }))?.nextRunAt).toEqual(
      new Date('2031-05-06T07:08:09Z'),
    );
    const bad = await confirmAndPost(client, job._id.toHexString(), 'reschedule', {
      runAt: 'soon',
    });
    expect(bad.status).toBe(400);
  });

  it('shows a refusal with its reason (409) and a job gone meanwhile (404)', async () => {
    const job = createJobDocument({ name: 'report', status: 'completed' });
    await jobs.insertOne(job);
    const { client, monque } = await start();
    const id = job._id.toHexString();
    const refused = await confirmAndPost(client, id, 'retry');
    expect(refused.status).toBe(409);
    expect(refused.html).toContain(
      'Retry refused: job is completed: only failed or cancelled jobs can be retried.',
    );
    expect((await jobs.findOne({ _id: job._id }))?.status).toBe('completed');
    const deleted = await confirmAndPost(client, id, 'delete');
    expect(deleted.status).toBe(200);
    expect(deleted.html).toContain('The job was removed from the collection.');
    expect(await jobs.countDocuments()).toBe(0);
    await jobs.insertOne(createJobDocument({ _id: job._id }));
    const token = csrfTokenOf((await client.page(`/jobs/${id}/cancel`)).html);
    await jobs.deleteOne({ _id: job._id });
    const gone = await client.post(`/jobs/${id}/cancel`, { csrf: token });
    expect(gone.status).toBe(404);
    expect(gone.html).toContain(
      'Nothing was done: there is no job with this id in this collection (it may have been deleted meanwhile).',
    );
    expect(monque.cancelJob).toHaveBeenCalledWith(id);
  });

  it('refuses to delete a running job, which a stale page may still offer', async () => {
    const job = createJobDocument({ name: 'export', status: 'pending' });
    await jobs.insertOne(job);
    const { client } = await start();
    const id = job._id.toHexString();
    const token = csrfTokenOf((await client.page(`/jobs/${id}/delete`)).html);
    await jobs.updateOne({ _id: job._id }, { $set: { status: 'processing', claimedBy: 'w-1' } });
    const refused = await client.post(`/jobs/${id}/delete`, { csrf: token });
    expect(refused.status).toBe(409);
    expect(refused.html).toMatch(/Delete refused: job is processing: [^<]+\./);
    expect(await jobs.countDocuments({ _id: job._id })).toBe(1);
  });

  it('cancels a pending job at once', async () => {
    const job = createJobDocument({ name: 'export' });
    await jobs.insertOne(job);
    const { client } = await start();
    const result = await confirmAndPost(client, job._id.toHexString(), 'cancel');
    expect(result.status).toBe(200);
    expect(result.html).toContain('Cancelled: the job will not run.');
    expect((await jobs.findOne({ _id: job._id }))?.status).toBe('cancelled');
  });

  it('asks the instance running a processing job to cancel it', async () => {
    const job = createJobDocument({ name: 'export', status: 'processing', claimedBy: 'worker-7' });
    await jobs.insertOne(job);
    const { client } = await start();
    const result = await confirmAndPost(client, job._id.toHexString(), 'cancel');
    expect(result.status).toBe(200);
    expect(result.html).toContain(
      'Cancel requested: the instance running the job (worker-7) will stop it and mark it cancelled.',
    );
    const stored = await jobs.findOne({ _id: job._id });
    expect(stored).toMatchObject({ status: 'processing', cancelRequestedAt: expect.any(Date) });
    expect(result.html).toContain(
      `<span data-field="cancel-requested"><time datetime="${stored?.cancelRequestedAt?.toISOString()}">`,
    );
  });

  it('acts through the Monque it makes itself when given `db`', async () => {
    const job = createJobDocument({ name: 'charge', status: 'failed', failReason: 'declined' });
    await jobs.insertOne(job);
    const dashboard = createDashboard({ db: database.db, collectionName: jobs.collectionName });
    const server = await serve(dashboard);
    open.push({ dashboard, server });
    const result = await confirmAndPost(new TestClient(server.url), job._id.toHexString(), 'retry');
    expect(result.status).toBe(200);
    expect(result.html).toContain('Retried: the job is pending and due now.');
    expect(await jobs.findOne({ _id: job._id })).toMatchObject({ status: 'pending', failCount: 0 });
  });
});

describe('CSRF protection', () => {
  it('refuses a POST without a token, with a wrong one, with another browser’s, or from another site', async () => {
    const job = createJobDocument({ name: 'charge', status: 'failed' });
    await jobs.insertOne(job);
    const { client, monque, url } = await start();
    const id = job._id.toHexString();
    const token = csrfTokenOf((await client.page(`/jobs/${id}/retry`)).html);
    const attempts = [
      await client.post(`/jobs/${id}/retry`, {}),
      await client.post(`/jobs/${id}/retry`, { csrf: `${token.slice(0, -2)}xx` }),
      await client.post(`/jobs/${id}/retry`, { csrf: token }, { 'sec-fetch-site': 'cross-site' }),
      // A browser without the cookie (another site's form cannot send it: SameSite=Strict).
      await new TestClient(url).post(`/jobs/${id}/retry`, { csrf: token }),
    ];
    expect(attempts.map((attempt) => attempt.status)).toEqual([403, 403, 403, 403]);
    expect(monque.retryJob).not.toHaveBeenCalled();
    expect((await jobs.findOne({ _id: job._id }))?.status).toBe('failed');
    const accepted = await client.post(`/jobs/${id}/retry`, { csrf: token });
    expect(accepted.status).toBe(200);
  });

  it('sets the nonce cookie HttpOnly and SameSite=Strict on the base path', async () => {
    const job = createJobDocument({ status: 'failed' });
    await jobs.insertOne(job);
    const { client } = await start({ basePath: '/ops/queue' });
    const response = await client.request(`/ops/queue/jobs/${job._id.toHexString()}/retry`);
    expect(response.headers.get('set-cookie')).toMatch(
      /^monque_dashboard_csrf=[A-Za-z0-9_-]{43}; Path=\/ops\/queue; HttpOnly; SameSite=Strict$/,
    );
  });

  it('refuses a form that is not url-encoded or too large', async () => {
    const job = createJobDocument({ status: 'failed' });
    await jobs.insertOne(job);
    const { client } = await start();
    const id = job._id.toHexString();
    await client.page(`/jobs/${id}/retry`);
    const json = await client.request(`/jobs/${id}/retry`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(json.status).toBe(415);
    const large = await client.post(`/jobs/${id}/retry`, { csrf: 'x'.repeat(20_000) });
    expect(large.status).toBe(413);
  });
});

describe('read-only', () => {
  it('shows no actions and refuses action pages and POSTs with 403', async () => {
    const job = createJobDocument({ name: 'charge', status: 'failed' });
    await jobs.insertOne(job);
    const { client, monque } = await start({ readOnly: true });
    const id = job._id.toHexString();
    const detail = await client.page(`/jobs/${id}`);
    expect(detail.status).toBe(200);
    expect(detail.html).toContain('read-only');
    expect(detail.html).not.toMatch(/data-action=/);
    expect(detail.html).not.toContain('Actions</h2>');
    for (const action of ['retry', 'reschedule', 'cancel', 'delete']) {
      expect((await client.page(`/jobs/${id}/${action}`)).status, action).toBe(403);
      expect((await client.post(`/jobs/${id}/${action}`, {})).status, action).toBe(403);
    }
    for (const method of ['retryJob', 'rescheduleJob', 'cancelJob', 'deleteJob'] as const) {
      expect(monque[method], method).not.toHaveBeenCalled();
    }
  });
});

describe('escaping', () => {
  const PAYLOAD = `<script>window.__xss=1</script>"'><img src=x onerror=alert(1)></textarea>\`&amp;`;

  it('escapes every value read from the database', async () => {
    const job = createJobDocument({
      name: PAYLOAD,
      data: { [PAYLOAD]: PAYLOAD, nested: [PAYLOAD] } as unknown as null,
      status: 'failed',
      failReason: PAYLOAD,
      uniqueKey: PAYLOAD,
      claimedBy: PAYLOAD,
      repeatInterval: '* * * * *',
      timezone: PAYLOAD,
    });
    const at = new Date('2026-03-01T10:00:00Z');
    await jobs.insertOne({
      ...job,
      result: { [PAYLOAD]: PAYLOAD },
      progress: { [PAYLOAD]: PAYLOAD },
      lastFailure: { reason: PAYLOAD, at, attempt: 2 },
      history: [
        { attempt: 1, outcome: 'completed', claimedAt: at, endedAt: at, reason: null },
        { attempt: 2, outcome: 'failed', claimedAt: at, endedAt: at, reason: PAYLOAD },
      ],
    });
    const { client } = await start();
    const id = job._id.toHexString();
    for (const path of [
      '/',
      '/jobs',
      `/jobs/${id}`,
      '/schedules',
      `/jobs/${id}/retry`,
      `/jobs?name=${encodeURIComponent(PAYLOAD)}&data=${encodeURIComponent(`${PAYLOAD}=1`)}`,
    ]) {
      const page = await client.page(path);
      expect(page.html, path).not.toContain('<script>window');
      expect(page.html, path).not.toContain('<img');
      expect(page.html, path).not.toContain('</textarea>');
      expect(page.html, path).not.toMatch(/"'>/);
    }
    const detail = await client.page(`/jobs/${id}`);
    const escaped = '&lt;script&gt;window.__xss=1&lt;/script&gt;&quot;&#39;&gt;&lt;img';
    // Shown escaped where each field is rendered: result, progress, last failure, runs.
    for (const heading of ['result-heading', 'progress-heading', 'failure-heading']) {
      const section = detail.html.split(`<h2 id="${heading}">`)[1]?.split('</section>')[0] ?? '';
      expect(section, heading).toContain('&lt;script&gt;window.__xss=1&lt;/script&gt;');
    }
    expect(detail.html).toContain(`<td class="reason">${escaped}`);
    expect(detail.html).toContain('&amp;amp;');
  });
});

describe('collections', () => {
  it('shows only its own collection, and not another collection’s job by id', async () => {
    const other = database.db.collection<JobDocument>(`${jobs.collectionName}_other`);
    const foreign = createJobDocument({ name: 'other-queue-job', status: 'failed' });
    await other.insertOne(foreign);
    await jobs.insertOne(createJobDocument({ name: 'own-job' }));
    const { client } = await start();
    for (const path of ['/', '/jobs', '/schedules', '/jobs?name=other-queue-job']) {
      const page = await client.page(path);
      expect(page.html, path).not.toContain(foreign._id.toHexString());
      if (path !== '/jobs?name=other-queue-job')
        expect(page.html, path).not.toContain('other-queue-job');
    }
    expect((await client.page('/')).html).toContain('own-job');
    expect((await client.page(`/jobs/${foreign._id.toHexString()}`)).status).toBe(404);
    expect((await client.page(`/jobs/${foreign._id.toHexString()}/retry`)).status).toBe(404);
  });
});

describe('options', () => {
  it('takes a Monque instance: its read side is what the dashboard needs', () => {
    expectTypeOf<Monque>().toMatchTypeOf<QueueManagement>();
    expectTypeOf<Monque<{ 'send-email': { to: string } }>>().toMatchTypeOf<QueueManagement>();
  });

  it('with `db`, reads the named collection', async () => {
    await jobs.insertOne(createJobDocument({ name: 'from-db-option' }));
    const dashboard = createDashboard({ db: database.db, collectionName: jobs.collectionName });
    const server = await serve(dashboard);
    open.push({ dashboard, server });
    const page = await new TestClient(server.url).page('/');
    expect(page.html).toContain('from-db-option');
    expect(page.html).toContain(
      `<span class="collection" title="Jobs collection">${jobs.collectionName}</span>`,
    );
  });

  it('refuses invalid options with a clear error', () => {
    const monque = idleMonque(database.db, jobs.collectionName);
    const { collection } = monque;
    const reader = {
      collection,
      getJob: () => Promise.resolve(null),
      findJobs: () => Promise.resolve({ jobs: [], nextCursor: null }),
      getStats: () => monque.getStats(),
    };
    const attempts: [unknown, string][] = [
      [{ monque, basePath: 'queue' }, 'Invalid options.basePath'],
      [{ monque, basePath: '/queue/' }, 'Invalid options.basePath'],
      [{ monque, basePath: '/a/../b' }, 'Invalid options.basePath'],
      [{ monque, refreshInterval: 0 }, 'Invalid options.refreshInterval'],
      [{ monque, refreshInterval: 1.5 }, 'Invalid options.refreshInterval'],
      [
        { monque, csrfSecret: 'short' },
        'Invalid options.csrfSecret: must be a string of at least 32 characters; got',
      ],
      [{ monque, authorize: true }, 'Invalid options.authorize: must be a function'],
      [{ monque, readOnly: 'yes' }, 'Invalid options.readOnly: must be a boolean'],
      [
        { monque: { getJob() {} } },
        'Invalid options.monque: must be a Monque instance with the management API (missing: findJobs, getStats, retryJob, rescheduleJob, cancelJob, deleteJob, collection)',
      ],
      [
        { monque: reader },
        'Invalid options.monque: must be a Monque instance with the management API (missing: retryJob, rescheduleJob, cancelJob, deleteJob)',
      ],
      [{ monque, db: database.db }, 'Invalid options.db: must not be given together with `monque`'],
      [{}, 'Invalid options: must have `monque` or `db`'],
      [{ monque, basepath: '/q' }, 'Invalid options: has unknown option(s) basepath'],
    ];
    for (const [options, message] of attempts) {
      expect(() => createDashboard(options as Parameters<typeof createDashboard>[0])).toThrow(
        message,
      );
    }
    // The secret itself is never echoed.
    expect(() => createDashboard({ monque, csrfSecret: 'tiny-secret' })).toThrow(
      /^(?!.*tiny-secret).*csrfSecret/,
    );
  });
});
