import type { JobDocument } from '@monque/core';
import { openTestDatabase, type TestDatabase } from '@monque/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProgramRun, runProgram, uriWithDatabase, waitForOutput } from './run-program.js';

/**
 * The demo's run, a few minutes of a busy machine at most: a budget for its child process, not a
 * measurement (the demo gives up by itself, and says so, when its jobs are not done in 15 s).
 */
const DEMO_BUDGET_MS = 120_000;

describe('npm start demo', () => {
  let database: TestDatabase;
  let run: ProgramRun;
  let code: number | null;
  let stored: JobDocument[];

  // The demo runs on a database of the test run's server, which the checks below read afterwards.
  beforeAll(async () => {
    database = await openTestDatabase('demo');
    run = runProgram('demo', uriWithDatabase(database.uri, database.db.databaseName));
    code = await run.exit;
    stored = await database.db.collection<JobDocument>('demo_jobs').find({}).toArray();
  }, DEMO_BUDGET_MS);

  afterAll(async () => {
    await database?.cleanup();
  });

  const named = (name: string) => stored.filter((job) => job.name === name);

  it('ends by itself with a summary', () => {
    expect(code, run.output()).toBe(0);
    expect(run.output()).toContain('result:         all demo jobs done');
    expect(run.output()).toMatch(/jobs processed: +\d+/);
    expect(run.output()).toMatch(/retries: +2/);
  });

  it('sends three e-mails, the invoice once although it was enqueued twice', () => {
    const emails = named('send-email');
    expect(emails).toHaveLength(3);
    expect(emails.every((job) => job.status === 'completed')).toBe(true);
    expect(emails.filter((job) => job.uniqueKey === 'invoice-42')).toHaveLength(1);
    expect(run.output()).toMatch(
      /unique key 'invoice-42' enqueued twice → same job: true, created: false/,
    );
  });

  it('charges the card on the third attempt, after two backoffs', () => {
    const [charge, ...others] = named('charge-card');
    expect(others).toEqual([]);
    expect(charge).toMatchObject({ status: 'completed', failCount: 2 });
    expect(charge?.failReason).toBe('payment gateway timeout (attempt 2)');
    expect(run.output()).toMatch(/retry #1 in ~\d+ ms \(backoff 2\^1 × 300 ms\)/);
    expect(run.output()).toMatch(/retry #2 in ~\d+ ms \(backoff 2\^2 × 300 ms\)/);
    expect(run.output()).toMatch(/charged 42 for order A-1001 on attempt 3/);
  });

  it('runs the delayed report when it is due, not before', () => {
    const [report, ...others] = named('nightly-report');
    expect(others).toEqual([]);
    expect(report?.status).toBe('completed');
    // Enqueued to run later; completed (updatedAt) after it fell due (nextRunAt).
    expect(report?.nextRunAt.getTime()).toBeGreaterThan(report?.createdAt.getTime() ?? 0);
    expect(report?.updatedAt.getTime()).toBeGreaterThanOrEqual(report?.nextRunAt.getTime() ?? 0);
  });

  it('keeps one recurring cron job, which ran and waits for its next tick', () => {
    const [cron, ...others] = named('heartbeat-check');
    expect(others).toEqual([]);
    expect(cron).toMatchObject({ status: 'pending', repeatInterval: '*/2 * * * * *' });
    expect(run.output()).toMatch(/cron tick 2 \(every 2 seconds\)/);
    expect(stored).toHaveLength(6);
  });

  it(
    'stops gracefully on Ctrl-C (SIGINT), on its embedded emulator',
    async () => {
      const interrupted = runProgram('demo');
      await waitForOutput(interrupted, /scheduler started/, DEMO_BUDGET_MS);
      interrupted.child.kill('SIGINT');
      const exitCode = await interrupted.exit;
      const output = interrupted.output();
      expect(exitCode, output).toBe(0);
      expect(output).toContain('embedded mongo-emulator');
      expect(output).toContain('interrupted: stopping gracefully');
      expect(output).toContain('result:         interrupted');
    },
    DEMO_BUDGET_MS,
  );
});
