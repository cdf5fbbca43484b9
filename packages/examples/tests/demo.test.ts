import { describe, expect, it } from 'vitest';
import { runProgram, waitForOutput } from './run-program.js';

describe('npm start demo', () => {
  it('shows the life of a queue and ends by itself with a summary', async () => {
    const run = runProgram('demo');
    const code = await run.exit;
    const output = run.output();
    expect(code, output).toBe(0);
    expect(output).toContain('embedded mongo-emulator');
    expect(output).toMatch(
      /unique key 'invoice-42' enqueued twice → same job: true, created: false/,
    );
    expect(output).toMatch(/charged 42 for order A-1001 on attempt 3/);
    expect(output.match(/retry #\d+ in ~\d+ ms/g)).toHaveLength(2);
    expect(output).toMatch(/retry #1 in ~\d+ ms \(backoff 2\^1 × 300 ms\)/);
    expect(output).toMatch(/retry #2 in ~\d+ ms \(backoff 2\^2 × 300 ms\)/);
    expect(output).toMatch(/cron tick 2 \(every 2 seconds\)/);
    expect(output).toMatch(/delayed sales report ran \d+ ms after it was enqueued/);
    expect(output).toMatch(/jobs processed: +\d+/);
    expect(output).toMatch(/retries: +2/);
    expect(output).toContain('result:         all demo jobs done');
    const duration = Number(/duration: +([\d.]+) s/.exec(output)?.[1]);
    expect(duration).toBeLessThan(20);
  }, 30_000);

  it('stops gracefully on Ctrl-C (SIGINT)', async () => {
    const run = runProgram('demo');
    await waitForOutput(run, /scheduler started/, 15_000);
    run.child.kill('SIGINT');
    const code = await run.exit;
    const output = run.output();
    expect(code, output).toBe(0);
    expect(output).toContain('interrupted: stopping gracefully');
    expect(output).toContain('result:         interrupted');
  }, 30_000);
});
