import type { JobDocument } from '@monque/core';
import { openTestDatabase, type TestDatabase } from '@monque/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { runProgram, runToEnd, uriWithDatabase, waitForOutput } from './run-program.js';

/**
 * A program's exit, a few minutes of a busy machine at most: a budget for its child process and
 * database, not a measurement.
 */
const PROGRAM_BUDGET_MS = 120_000;

// Every example program is built (npm test builds first) and run here on a database of the test
// run's server; each test then reads what the program left in that database.
describe('example programs', () => {
  const databases: TestDatabase[] = [];

  afterEach(async () => {
    await Promise.all(databases.splice(0).map((database) => database.cleanup()));
  });

  /** A fresh database, and the MONGODB_URI that points a program at it. */
  async function database(prefix: string) {
    const opened = await openTestDatabase(prefix);
    databases.push(opened);
    const jobs = opened.db.collection<JobDocument>('monque_jobs');
    return { db: opened.db, jobs, uri: uriWithDatabase(opened.uri, opened.db.databaseName) };
  }

  it(
    'quick-start enqueues a job and sees it completed',
    async () => {
      const { jobs, uri } = await database('example_quick_start');
      const { code, output } = await runToEnd('quick-start', uri);
      expect(code, output).toBe(0);
      const [job, ...others] = await jobs.find({}).toArray();
      expect(others).toEqual([]);
      expect(job).toMatchObject({ name: 'send-email', status: 'completed', failCount: 0 });
      expect(job?.data).toEqual({ to: 'ada@example.com' });
      expect(output).toContain(`enqueued send-email with id ${job?._id.toHexString()}`);
      expect(output).toContain('sending email to ada@example.com');
    },
    PROGRAM_BUDGET_MS,
  );

  it(
    'retries backs off, then succeeds or fails for good',
    async () => {
      const { jobs, uri } = await database('example_retries');
      const { code, output } = await runToEnd('retries', uri);
      expect(code, output).toBe(0);
      const flaky = await jobs.findOne({ name: 'flaky-call' });
      const broken = await jobs.findOne({ name: 'broken-call' });
      // Succeeded on its third attempt: two failures recorded, then completed.
      expect(flaky).toMatchObject({ status: 'completed', failCount: 2 });
      // maxRetries 3: failed for good after its third failure, with the handler's message.
      expect(broken).toMatchObject({
        status: 'failed',
        failCount: 3,
        failReason: 'this never works',
      });
      expect(await jobs.countDocuments({})).toBe(2);
      expect(output).toContain('broken-call failed for good after 3 failures: this never works');
    },
    PROGRAM_BUDGET_MS,
  );

  it(
    'cron runs a seconds-level schedule and keeps one recurring job per name',
    async () => {
      const { jobs, uri } = await database('example_cron');
      const { code, output } = await runToEnd('cron', uri);
      expect(code, output).toBe(0);
      // Scheduled twice, stored once: the recurring job of each name, pending its next run.
      const nightly = await jobs.find({ name: 'nightly-cleanup' }).toArray();
      expect(nightly).toHaveLength(1);
      expect(nightly[0]).toMatchObject({
        status: 'pending',
        repeatInterval: '0 3 * * *',
        timezone: 'Europe/Berlin',
        data: { olderThanDays: 30 },
      });
      const ticks = await jobs.find({ name: 'tick' }).toArray();
      expect(ticks).toHaveLength(1);
      expect(ticks[0]).toMatchObject({ repeatInterval: '* * * * * *', failCount: 0 });
      // It ran (three times, the program waits for that): its next run is after its creation.
      expect(ticks[0]?.nextRunAt.getTime()).toBeGreaterThan(ticks[0]?.createdAt.getTime() ?? 0);
      expect(output).toMatch(/tick 3 at second \d+/);
    },
    PROGRAM_BUDGET_MS,
  );

  it(
    'unique-keys resolves duplicates to the active job and frees the key afterwards',
    async () => {
      const { jobs, uri } = await database('example_unique_keys');
      const { code, output } = await runToEnd('unique-keys', uri);
      expect(code, output).toBe(0);
      // Six enqueues while the first was pending made one job; one more after it completed.
      const stored = await jobs.find({}).sort({ createdAt: 1, _id: 1 }).toArray();
      expect(stored).toHaveLength(2);
      for (const job of stored) {
        expect(job).toMatchObject({
          name: 'sync-account',
          uniqueKey: 'account-a1',
          status: 'completed',
        });
      }
    },
    PROGRAM_BUDGET_MS,
  );

  it(
    'transactional-enqueue runs the invoice of a committed order once, and none for a rolled-back one',
    async () => {
      const { db, jobs, uri } = await database('example_transactional_enqueue');
      const { code, output } = await runToEnd('transactional-enqueue', uri);
      expect(code, output).toBe(0);
      const orders = await db.collection('orders').find({}).sort({ _id: 1 }).toArray();
      expect(orders).toEqual([
        { _id: 1, total: 42 },
        { _id: 3, total: 7 },
      ]);
      // One invoice job per committed order, each run once; none for the rolled-back order 2.
      const stored = await jobs.find({}).sort({ 'data.orderId': 1 }).toArray();
      expect(stored.map((job) => [job.data, job.uniqueKey, job.status])).toEqual([
        [{ orderId: 1 }, 'invoice-1', 'completed'],
        [{ orderId: 3 }, 'invoice-3', 'completed'],
      ]);
      expect(output.match(/invoicing order 1 /g)).toHaveLength(1);
      expect(output.match(/invoicing order 3 /g)).toHaveLength(1);
      expect(output).not.toContain('invoicing order 2');
      expect(output).toContain('order 2 rolled back (payment declined): orders 0, invoice jobs 0');
      expect(output).toContain('order 3 placed twice at once → invoice jobs added: 1');
    },
    PROGRAM_BUDGET_MS,
  );

  it(
    'multiple-instances processes every job exactly once across three instances',
    async () => {
      const { db, jobs, uri } = await database('example_multiple_instances');
      const { code, output } = await runToEnd('multiple-instances', uri);
      expect(code, output).toBe(0);
      expect(await jobs.countDocuments({ status: 'completed' })).toBe(60);
      expect(await jobs.countDocuments({})).toBe(60);
      // Every run of a handler recorded itself: one run per job, none twice.
      const runs = await db.collection<{ n: number; instance: string }>('runs').find({}).toArray();
      expect(runs.map((run) => run.n).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 60 }, (_, n) => n),
      );
      const instances = new Set(['instance-1', 'instance-2', 'instance-3']);
      expect(runs.filter((run) => !instances.has(run.instance))).toEqual([]);
      expect(output).toContain('jobs: 60, processed: 60, run twice: 0');
    },
    PROGRAM_BUDGET_MS,
  );

  it(
    'http-service enqueues from a request and shuts down gracefully on SIGTERM',
    async () => {
      const { jobs, uri } = await database('example_http_service');
      const run = runProgram('http-service', uri);
      const [, url] = await waitForOutput(run, /listening on (http:\/\/\S+)/, PROGRAM_BUDGET_MS);
      const response = await fetch(`${url}/signups`, {
        method: 'POST',
        body: JSON.stringify({ email: 'grace@example.com' }),
      });
      expect(response.status).toBe(202);
      const { id } = (await response.json()) as { id: string };
      await waitForOutput(run, /processed welcome email for grace@example\.com/, PROGRAM_BUDGET_MS);
      run.child.kill('SIGTERM');
      const code = await run.exit;
      expect(code, run.output()).toBe(0);
      expect(run.output()).toContain('stopped gracefully');
      const stored = await jobs.find({}).toArray();
      expect(stored).toHaveLength(1);
      expect(stored[0]?._id.toHexString()).toBe(id);
      expect(stored[0]).toMatchObject({
        name: 'welcome-email',
        status: 'completed',
        data: { email: 'grace@example.com' },
      });
    },
    PROGRAM_BUDGET_MS,
  );
});
