/**
 * The `npm start` demo: the life of a Monque queue in a live log, ending by itself.
 *
 * Workers are registered, jobs enqueued, claimed and completed; one payment fails twice and
 * succeeds on its third attempt (with the backoff delays shown); a duplicate unique key resolves to
 * the existing job; a cron job fires every two seconds; a delayed job runs when due; then the
 * scheduler stops gracefully and a summary is printed. Ctrl-C stops it gracefully at any moment.
 *
 * With `--dashboard` (`npm start -- --dashboard`) it also serves the queue's dashboard on
 * 127.0.0.1 and keeps running after the demo, cron job ticking, until Ctrl-C.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Job, Monque } from '@monque/core';
import { createDashboard } from '@monque/dashboard';
import { openExampleDatabase } from './database.js';

type DemoJobs = {
  'send-email': { to: string; subject: string };
  'charge-card': { orderId: string; amount: number };
  'nightly-report': { kind: string };
  'heartbeat-check': null;
};

const started = Date.now();
const clock = (): string => `+${((Date.now() - started) / 1000).toFixed(2)}s`.padStart(8);
const log = (message: string): void => console.log(`${clock()}  ${message}`);
const describe = (job: Job): string => `${job.name}#${job._id.toHexString().slice(-6)}`;

const CRON_RUNS_WANTED = 2;
const DEMO_TIMEOUT_MS = 15_000;
const DASHBOARD_PORT = 3000;

/** Serves the dashboard on 127.0.0.1:3000, or on a free port when 3000 is taken. */
async function serveDashboard(
  monque: Monque<DemoJobs>,
): Promise<{ url: string; close(): Promise<void> }> {
  const dashboard = createDashboard({ monque, refreshInterval: 2000 });
  const server = createServer(dashboard);
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  await listen(DASHBOARD_PORT).catch(() => listen(0));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    async close() {
      await dashboard.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function main(): Promise<number> {
  const database = await openExampleDatabase('monque_demo');
  log(`database: ${database.description}`);
  // Start from an empty queue (dropping a missing collection succeeds on MongoDB 7+).
  await database.db.collection('demo_jobs').drop();

  const monque = new Monque<DemoJobs>(database.db, {
    collectionName: 'demo_jobs',
    baseRetryInterval: 300,
    maxRetries: 5,
    heartbeatInterval: 1000,
    lockTimeout: 3000,
    pollInterval: 500,
    shutdownTimeout: 5000,
  });

  const stats = { processed: 0, retries: 0, failed: 0, cronRuns: 0 };
  let chargeAttempts = 0;
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const pending = new Set<string>(['charge-card', 'nightly-report', 'emails', 'cron']);
  let emailsLeft = 3;
  const settle = (part: string): void => {
    pending.delete(part);
    if (pending.size === 0) finish();
  };

  monque.on('changestream:connected', () =>
    log('change stream connected: new jobs wake a worker at once'),
  );
  monque.on('changestream:fallback', ({ reason }) =>
    log(`polling instead of change streams: ${reason}`),
  );
  monque.on('job:start', (job) => log(`claimed   ${describe(job)} (attempt ${job.failCount + 1})`));
  monque.on('job:complete', ({ job, duration }) => {
    stats.processed++;
    log(`completed ${describe(job)} in ${duration} ms`);
  });
  monque.on('job:fail', ({ job, error, willRetry }) => {
    if (willRetry) {
      stats.retries++;
      const delay = job.nextRunAt.getTime() - Date.now();
      log(
        `failed    ${describe(job)}: ${error.message}; retry #${job.failCount} in ~${Math.max(0, delay)} ms (backoff 2^${job.failCount} × 300 ms)`,
      );
    } else {
      stats.failed++;
      log(`failed    ${describe(job)} for good: ${error.message}`);
    }
  });
  monque.on('job:error', ({ error, job }) =>
    log(`error     ${job ? describe(job) : ''} ${error.message}`),
  );

  monque.worker('send-email', async (job) => {
    log(`  → sending "${job.data.subject}" to ${job.data.to}`);
    emailsLeft--;
    if (emailsLeft === 0) queueMicrotask(() => settle('emails'));
  });
  monque.worker('charge-card', async (job) => {
    chargeAttempts++;
    if (chargeAttempts < 3) throw new Error(`payment gateway timeout (attempt ${chargeAttempts})`);
    log(
      `  → charged ${job.data.amount} for order ${job.data.orderId} on attempt ${chargeAttempts}`,
    );
    queueMicrotask(() => settle('charge-card'));
  });
  monque.worker('nightly-report', async (job) => {
    log(
      `  → delayed ${job.data.kind} report ran ${Date.now() - job.createdAt.getTime()} ms after it was enqueued`,
    );
    queueMicrotask(() => settle('nightly-report'));
  });
  monque.worker('heartbeat-check', async () => {
    stats.cronRuns++;
    log(`  → cron tick ${stats.cronRuns} (every 2 seconds)`);
    if (stats.cronRuns === CRON_RUNS_WANTED) queueMicrotask(() => settle('cron'));
  });
  log(`workers registered: ${monque.workerNames.join(', ')}`);

  const dashboard = process.argv.includes('--dashboard') ? await serveDashboard(monque) : undefined;
  if (dashboard !== undefined) log(`dashboard: open ${dashboard.url} in a browser`);
  let stopRequested: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    stopRequested = resolve;
  });

  let interrupted = false;
  const onSignal = (): void => {
    interrupted = pending.size > 0;
    log(interrupted ? 'interrupted: stopping gracefully' : 'stopping');
    finish();
    stopRequested();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  await monque.start();
  log('scheduler started');

  for (const to of ['ada@example.com', 'grace@example.com']) {
    await monque.enqueue('send-email', { to, subject: 'Welcome!' });
  }
  const { job: first } = await monque.enqueue(
    'send-email',
    { to: 'linus@example.com', subject: 'Your invoice' },
    { uniqueKey: 'invoice-42' },
  );
  const { job: duplicate, created } = await monque.enqueue(
    'send-email',
    { to: 'linus@example.com', subject: 'Your invoice' },
    { uniqueKey: 'invoice-42' },
  );
  log(
    `unique key 'invoice-42' enqueued twice → same job: ${first._id.equals(duplicate._id)}, created: ${created} (${describe(duplicate)})`,
  );

  await monque.now('charge-card', { orderId: 'A-1001', amount: 42 });
  const runAt = new Date(Date.now() + 1500);
  await monque.enqueue('nightly-report', { kind: 'sales' }, { runAt });
  log(`delayed job enqueued to run at ${runAt.toISOString()}`);
  await monque.schedule('*/2 * * * * *', 'heartbeat-check', null);
  log("cron job scheduled: '*/2 * * * * *' (every 2 seconds)");

  const timeout = setTimeout(() => {
    log(`still waiting for: ${[...pending].join(', ')} — stopping anyway`);
    finish();
  }, DEMO_TIMEOUT_MS);
  await done;
  clearTimeout(timeout);
  if (dashboard !== undefined && !interrupted) {
    log(`demo done; the dashboard stays up at ${dashboard.url} (Ctrl-C to stop)`);
    await stopped;
  }

  log('stopping: waiting for in-flight jobs');
  await dashboard?.close();
  await monque.stop();
  await database.close();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);

  const complete = pending.size === 0;
  console.log('');
  console.log('Summary');
  console.log(`  jobs processed: ${stats.processed}`);
  console.log(`  retries:        ${stats.retries}`);
  console.log(`  failed for good: ${stats.failed}`);
  console.log(`  cron runs:      ${stats.cronRuns}`);
  console.log(`  duration:       ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(
    `  result:         ${interrupted ? 'interrupted' : complete ? 'all demo jobs done' : 'incomplete'}`,
  );
  if (dashboard === undefined)
    console.log('\nSee the queue in a browser: npm start -- --dashboard');
  return interrupted || complete ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
