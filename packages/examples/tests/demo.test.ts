import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const demoPath = fileURLToPath(new URL('../dist/demo.mjs', import.meta.url));

interface DemoRun {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
}

function runDemo(): DemoRun {
  const env = { ...process.env };
  delete env.MONGODB_URI;
  const child = spawn(process.execPath, [demoPath], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exit };
}

function waitForOutput(run: DemoRun, text: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onData = (): void => {
      if (!run.output().includes(text)) return;
      clearTimeout(timer);
      run.child.stdout?.off('data', onData);
      resolve();
    };
    const timer = setTimeout(() => {
      run.child.stdout?.off('data', onData);
      reject(new Error(`demo did not print "${text}" within ${timeoutMs} ms:\n${run.output()}`));
    }, timeoutMs);
    run.child.stdout?.on('data', onData);
    onData();
  });
}

describe('npm start demo', () => {
  it('shows the life of a queue and ends by itself with a summary', async () => {
    const run = runDemo();
    const code = await run.exit;
    const output = run.output();
    expect(code, output).toBe(0);
    expect(output).toContain('embedded mongo-emulator');
    expect(output).toMatch(/unique key 'invoice-42' enqueued twice → same job: true/);
    expect(output).toMatch(/charged 42 for order A-1001 on attempt 3/);
    expect(output.match(/retry #\d+ in ~\d+ ms/g)).toHaveLength(2);
    expect(output).toMatch(/cron tick 2 \(every 2 seconds\)/);
    expect(output).toMatch(/delayed sales report ran \d+ ms after it was enqueued/);
    expect(output).toMatch(/jobs processed: +\d+/);
    expect(output).toMatch(/retries: +2/);
    expect(output).toContain('result:         all demo jobs done');
    const duration = Number(/duration: +([\d.]+) s/.exec(output)?.[1]);
    expect(duration).toBeLessThan(20);
  }, 30_000);

  it('stops gracefully on Ctrl-C (SIGINT)', async () => {
    const run = runDemo();
    await waitForOutput(run, 'scheduler started', 15_000);
    run.child.kill('SIGINT');
    const code = await run.exit;
    const output = run.output();
    expect(code, output).toBe(0);
    expect(output).toContain('interrupted: stopping gracefully');
    expect(output).toContain('result:         interrupted');
  }, 30_000);
});
