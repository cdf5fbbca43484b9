import { type ChildProcess, spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import type { MissingStore, Store } from './store.js';
import {
  childExited,
  findExecutable,
  freePort,
  installDebianPackages,
  retryUntil,
} from './system.js';

const SBIN = ['/usr/sbin', '/usr/bin', '/sbin'];

/** `name:value` lines of an INFO section. */
function infoFields(info: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of info.split('\r\n')) {
    const at = line.indexOf(':');
    if (at > 0 && !line.startsWith('#')) {
      fields.set(line.slice(0, at), line.slice(at + 1));
    }
  }
  return fields;
}

/**
 * Starts `redis-server` (Debian's package, installed with apt-get if missing) on a free port, in
 * memory (no RDB, no AOF). Its per-command counters (INFO commandstats) include the commands
 * that Lua scripts run, so requests are counted by the worker's clients instead; the counters
 * tell when the server is quiet, and INFO cpu gives its CPU time.
 */
export async function startRedis(): Promise<Store | MissingStore> {
  let binary = findExecutable('redis-server', SBIN);
  if (binary === undefined) {
    const failure = await installDebianPackages(['redis-server']);
    binary = findExecutable('redis-server', SBIN);
    if (binary === undefined) {
      return {
        kind: 'redis',
        reason: `redis-server is missing (${failure ?? 'not found after install'})`,
      };
    }
  }
  const port = await freePort();
  const child: ChildProcess = spawn(
    binary,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'no',
      '--loglevel',
      'warning',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const client = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  });
  // Connection errors while the server starts are expected; afterwards they fail the counts.
  let lastError: Error | undefined;
  client.on('error', (error: Error) => {
    lastError = error;
  });
  try {
    await retryUntil(async () => {
      if (child.exitCode !== null) {
        throw new Error(`redis-server exited with ${child.exitCode}`);
      }
      if (client.status === 'wait' || client.status === 'end') {
        await client.connect();
      }
      await client.ping();
    }, 10_000);
  } catch (error) {
    child.kill('SIGKILL');
    client.disconnect();
    return {
      kind: 'redis',
      reason: `redis-server did not start: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  const version = infoFields(await client.info('server')).get('redis_version') ?? 'unknown';
  return {
    kind: 'redis',
    label: `Redis ${version}`,
    description: `Redis ${version} (Debian redis-server; in memory, no persistence; own process; requests counted by the worker's ioredis clients, a pipeline as one)`,
    connection: { kind: 'redis', host: '127.0.0.1', port },
    requestsCountedBy: 'client',
    async counts() {
      if (client.status !== 'ready') {
        throw new Error(
          `lost the connection to redis-server: ${lastError?.message ?? client.status}`,
        );
      }
      const byCommand: Record<string, number> = {};
      for (const [key, value] of infoFields(await client.info('commandstats'))) {
        const name = key.replace(/^cmdstat_/, '');
        const calls = /calls=(\d+)/.exec(value)?.[1];
        if (name !== 'info' && calls !== undefined) {
          byCommand[name] = Number(calls);
        }
      }
      const cpu = infoFields(await client.info('cpu'));
      const seconds = Number(cpu.get('used_cpu_user')) + Number(cpu.get('used_cpu_sys'));
      return {
        byCommand,
        serverCpuUs: Number.isFinite(seconds) ? Math.round(seconds * 1e6) : null,
      };
    },
    async stop() {
      client.disconnect();
      child.kill('SIGTERM');
      await childExited(child);
    },
  };
}
