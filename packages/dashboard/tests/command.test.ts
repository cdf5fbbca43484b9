import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { JobDocument } from '@monque/core';
import { createJobDocument } from '@monque/core/testing';
import { openTestDatabase, type TestDatabase } from '@monque/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseInUri, parseCommandLine, UsageError } from '../src/command/serve.js';
import { csrfTokenOf, TestClient } from './support/http.js';

const CLI = fileURLToPath(new URL('../dist/cli.mjs', import.meta.url));

interface Run {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exit: Promise<number | null>;
}

function run(args: readonly string[]): Run {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { child, output: () => output, exit };
}

async function waitForUrl(process: Run): Promise<string> {
  for (;;) {
    const url = /at (http:\/\/\S+)/.exec(process.output())?.[1];
    if (url !== undefined) return url;
    const exited = await Promise.race([
      process.exit.then(() => true),
      new Promise<false>((resolve) => process.child.stdout?.once('data', () => resolve(false))),
    ]);
    if (exited) throw new Error(`the command ended:\n${process.output()}`);
  }
}

describe('monque-dashboard command', () => {
  let database: TestDatabase;
  const failed = createJobDocument({
    name: 'charge-card',
    status: 'failed',
    failReason: 'declined',
  });

  beforeAll(async () => {
    database = await openTestDatabase('dashboard_command');
    await database.db
      .collection<JobDocument>('billing_jobs')
      .insertMany([createJobDocument({ name: 'served-standalone' }), failed]);
  });
  afterAll(() => database.cleanup());

  it('serves one collection on 127.0.0.1 and stops on SIGTERM', async () => {
    const served = run([
      '--uri',
      database.uri,
      '--db',
      database.db.databaseName,
      '--collection',
      'billing_jobs',
      '--port',
      '0',
    ]);
    const url = await waitForUrl(served);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(served.output()).toContain('Monque dashboard for billing_jobs at');
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('served-standalone');
    // Actions work too: the command's dashboard makes its own Monque over the database.
    const client = new TestClient(url.replace(/\/$/, ''));
    const id = failed._id.toHexString();
    const confirm = await client.page(`/jobs/${id}/retry`);
    const retried = await client.post(`/jobs/${id}/retry`, { csrf: csrfTokenOf(confirm.html) });
    expect(retried.html).toContain('Retried: the job is pending and due now.');
    expect(
      await database.db.collection<JobDocument>('billing_jobs').findOne({ _id: failed._id }),
    ).toMatchObject({ status: 'pending', failCount: 0 });
    served.child.kill('SIGTERM');
    expect(await served.exit).toBe(0);
  });

  it('explains its usage on a bad command line and exits with 2', async () => {
    const missing = run([]);
    expect(await missing.exit).toBe(2);
    expect(missing.output()).toContain('monque-dashboard: --uri is required');
    expect(missing.output()).toContain('Usage: monque-dashboard --uri <mongodb uri>');
    const noDatabase = run(['--uri', 'mongodb://127.0.0.1:1']);
    expect(await noDatabase.exit).toBe(2);
    expect(noDatabase.output()).toContain('give --db (the URI names no database)');
    const help = run(['--help']);
    expect(await help.exit).toBe(0);
    expect(help.output()).toContain(
      '--host <address>       address to listen on (default: 127.0.0.1)',
    );
  });
});

describe('command line', () => {
  it('reads the options with their defaults', () => {
    expect(parseCommandLine(['--uri', 'mongodb://h/app'])).toEqual({
      uri: 'mongodb://h/app',
      db: undefined,
      collection: undefined,
      port: 3000,
      host: '127.0.0.1',
      basePath: undefined,
      readOnly: false,
    });
    expect(
      parseCommandLine([
        '--uri',
        'mongodb://h',
        '--db',
        'app',
        '--host',
        '0.0.0.0',
        '--read-only',
        '--base-path',
        '/q',
      ]),
    ).toMatchObject({ db: 'app', host: '0.0.0.0', readOnly: true, basePath: '/q' });
  });

  it('refuses unknown options and bad ports', () => {
    expect(() => parseCommandLine(['--uri', 'mongodb://h', '--bogus'])).toThrow(UsageError);
    expect(() => parseCommandLine(['--uri', 'mongodb://h', '--port', '70000'])).toThrow(
      '--port must be a whole number from 0 to 65535, got 70000',
    );
  });

  it('finds the database named in a connection string', () => {
    expect(databaseInUri('mongodb://localhost:27017/app?replicaSet=rs0')).toBe('app');
    expect(databaseInUri('mongodb+srv://user:pw@cluster.example.net/shop')).toBe('shop');
    expect(databaseInUri('mongodb://localhost:27017/?replicaSet=rs0')).toBeUndefined();
    expect(databaseInUri('mongodb://localhost:27017')).toBeUndefined();
  });
});
