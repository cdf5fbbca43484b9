import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const DEMO = fileURLToPath(new URL('../../examples/dist/demo.mjs', import.meta.url));

describe('npm start -- --dashboard', () => {
  it('serves the demo queue’s dashboard and keeps it up after the demo until Ctrl-C', async () => {
    const env = { ...process.env };
    delete env.MONGODB_URI;
    const child = spawn(process.execPath, [DEMO, '--dashboard'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const seen = new Set<() => void>();
    const append = (chunk: Buffer): void => {
      output += chunk.toString();
      for (const check of seen) check();
    };
    child.stdout.on('data', append);
    child.stderr.on('data', append);
    const exit = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const waitFor = (pattern: RegExp): Promise<RegExpMatchArray> =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const match = output.match(pattern);
          if (match !== null) {
            seen.delete(check);
            resolve(match);
          }
        };
        void exit.then(() => {
          if (seen.delete(check)) reject(new Error(`the demo ended:\n${output}`));
        });
        seen.add(check);
        check();
      });
    try {
      const url =
        (await waitFor(/dashboard: open (http:\/\/127\.0\.0\.1:\d+\/) in a browser/))[1] ?? '';
      await waitFor(/demo done; the dashboard stays up at http/);
      const overview = await (await fetch(url)).text();
      for (const name of ['send-email', 'charge-card', 'nightly-report', 'heartbeat-check']) {
        expect(overview).toContain(`data-name="${name}"`);
      }
      expect(output).not.toContain('npm start -- --dashboard');
    } finally {
      child.kill('SIGINT');
    }
    expect(await exit, output).toBe(0);
    expect(output).toContain('result:         all demo jobs done');
  }, 40_000);
});
