import { describe, expect, it } from 'vitest';
import { runProgram, runToEnd, waitForOutput } from './run-program.js';

// Every example program is built (npm test builds first) and run here against the emulator.
describe('example programs', () => {
  it('quick-start enqueues a job and sees it completed', async () => {
    const { code, output } = await runToEnd('quick-start');
    expect(code, output).toBe(0);
    expect(output).toMatch(/enqueued send-email with id [0-9a-f]{24}/);
    expect(output).toContain('sending email to ada@example.com');
    expect(output).toMatch(/job send-email completed in \d+ ms/);
  }, 30_000);

  it('retries backs off, then succeeds or fails for good', async () => {
    const { code, output } = await runToEnd('retries');
    expect(code, output).toBe(0);
    expect(output).toContain('flaky-call failed (upstream unavailable (1)); failCount 1');
    expect(output).toContain('flaky-call completed on attempt 3');
    expect(output).toContain('broken-call failed for good after 3 failures: this never works');
    expect(output).toContain('jobs in status failed: 1');
  }, 30_000);

  it('cron runs a seconds-level schedule and keeps one recurring job per name', async () => {
    const { code, output } = await runToEnd('cron');
    expect(code, output).toBe(0);
    expect(output).toMatch(/nightly cleanup next runs at \d{4}-\d\d-\d\dT0[12]:00:00\.000Z/);
    expect(output).toContain('recurring cleanup jobs: 1');
    expect(output).toMatch(/tick 3 at second \d+/);
  }, 30_000);

  it('unique-keys resolves duplicates to the active job and frees the key afterwards', async () => {
    const { code, output } = await runToEnd('unique-keys');
    expect(code, output).toBe(0);
    expect(output).toContain('6 enqueues with one key while pending → one job: true');
    expect(output).toContain('after completion the key is free → new job: true');
  }, 30_000);

  it('multiple-instances processes every job exactly once across three instances', async () => {
    const { code, output } = await runToEnd('multiple-instances');
    expect(code, output).toBe(0);
    expect(output).toContain('jobs: 60, processed: 60, run twice: 0');
    const counts = [...output.matchAll(/instance-\d: (\d+) jobs/g)].map((m) => Number(m[1]));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(60);
  }, 30_000);

  it('http-service enqueues from a request and shuts down gracefully on SIGTERM', async () => {
    const run = runProgram('http-service');
    const [, url] = await waitForOutput(run, /listening on (http:\/\/\S+)/, 15_000);
    const response = await fetch(`${url}/signups`, {
      method: 'POST',
      body: JSON.stringify({ email: 'grace@example.com' }),
    });
    expect(response.status).toBe(202);
    await waitForOutput(run, /processed welcome email for grace@example\.com/, 15_000);
    run.child.kill('SIGTERM');
    const code = await run.exit;
    expect(code, run.output()).toBe(0);
    expect(run.output()).toContain('stopped gracefully');
  }, 30_000);
});
