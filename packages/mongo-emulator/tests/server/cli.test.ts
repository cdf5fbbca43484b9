import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { main, parseCliArguments } from '../../src/cli.js';
import { MongoEmulator } from '../../src/index.js';

describe('cli arguments', () => {
  it('defaults to port 27017 and replica set rs0', () => {
    expect(parseCliArguments([])).toEqual({
      options: { port: 27017, replicaSet: 'rs0' },
      help: false,
    });
  });

  it('reads --port, --host, --standalone and --replica-set', () => {
    expect(parseCliArguments(['--port', '0', '--standalone']).options).toEqual({
      port: 0,
      replicaSet: false,
    });
    expect(
      parseCliArguments(['--port', '4000', '--replica-set', 'set1', '--host', '::1']).options,
    ).toEqual({ port: 4000, replicaSet: 'set1', host: '::1' });
  });

  it('rejects bad arguments', () => {
    expect(() => parseCliArguments(['--port', 'x'])).toThrow(/invalid --port/);
    expect(() => parseCliArguments(['--standalone', '--replica-set', 'a'])).toThrow(/exclude/);
    expect(() => parseCliArguments(['--nope'])).toThrow();
  });
});

describe('cli main', () => {
  it('prints the URI, serves clients and stops on the stop signal', async () => {
    const out: string[] = [];
    let signal: (() => void) | undefined;
    const exit = main(['--port', '0'], {
      out: (line) => out.push(line),
      err: (line) => out.push(`ERR ${line}`),
      onStopSignal: (stop) => {
        signal = stop;
        return () => {
          signal = undefined;
        };
      },
    });
    await expect.poll(() => out.length, { timeout: 5000 }).toBe(1);
    const uri = out[0] as string;
    expect(uri).toMatch(/^mongodb:\/\/127\.0\.0\.1:\d+\/\?replicaSet=rs0$/);
    const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5000 });
    try {
      expect((await client.db('admin').command({ ping: 1 })).ok).toBe(1);
    } finally {
      await client.close();
    }
    expect(signal).toBeDefined();
    signal?.();
    expect(await exit).toBe(0);
    expect(signal).toBeUndefined();
    MongoEmulator.discardData(Number(new URL(uri).port));
  });

  it('prints usage and exits 2 on bad arguments, 0 on --help', async () => {
    const lines: string[] = [];
    const io = {
      out: (line: string) => lines.push(line),
      err: (line: string) => lines.push(line),
      onStopSignal: () => () => {},
    };
    expect(await main(['--port', 'nope'], io)).toBe(2);
    expect(lines.join('\n')).toMatch(/Usage: mongo-emulator/);
    expect(await main(['--help'], io)).toBe(0);
  });
});

const builtCli = fileURLToPath(new URL('../../dist/cli.mjs', import.meta.url));

// `npm test` builds the package first. Without a build this fails (as every test of built code
// does) rather than skipping: a skip would hide a broken `bin` entry.
describe('built cli (dist/cli.mjs)', () => {
  it('prints the URI, serves a client and exits 0 on SIGINT', async () => {
    expect(existsSync(builtCli), 'build the mongo-emulator package first (npm test does)').toBe(
      true,
    );
    const child = spawn(process.execPath, [builtCli, '--port', '0', '--standalone'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      await expect.poll(() => output.includes('\n'), { timeout: 10_000 }).toBe(true);
      const uri = output.trim();
      expect(uri).toMatch(/^mongodb:\/\/127\.0\.0\.1:\d+\/$/);
      const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5000 });
      try {
        expect((await client.db('admin').command({ ping: 1 })).ok).toBe(1);
      } finally {
        await client.close();
      }
      child.kill('SIGINT');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
