import { type ChildProcess, spawn } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { MissingStore, Store } from './store.js';
import {
  childExited,
  freePort,
  installDebianPackages,
  retryUntil,
  runCommand,
  systemUser,
} from './system.js';

/** The role pg-boss connects as; only its statements are counted. */
const WORKER_ROLE = 'pgboss_worker';
const DATABASE = 'bench';
/** Clock ticks per second of /proc/<pid>/stat times (Linux's USER_HZ). */
const CLOCK_TICKS = 100;

/** The bin directory of the newest installed PostgreSQL (Debian layout), or undefined. */
function postgresBin(): string | undefined {
  try {
    const versions = readdirSync('/usr/lib/postgresql')
      .filter((name) => /^\d+$/.test(name))
      .sort((a, b) => Number(b) - Number(a));
    return versions[0] === undefined ? undefined : `/usr/lib/postgresql/${versions[0]}/bin`;
  } catch {
    return undefined;
  }
}

/** utime + stime (+ those of reaped children, with `withChildren`) of a process, in ticks. */
function processTicks(
  pid: number,
  withChildren: boolean,
): { ticks: number; ppid: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at state (field 3).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const at = (field: number): number => Number(fields[field - 3]);
    const own = at(14) + at(15);
    return { ticks: withChildren ? own + at(16) + at(17) : own, ppid: at(4) };
  } catch {
    return undefined;
  }
}

/** CPU time of the postmaster and all its processes, live and exited, in µs. */
function serverCpuUs(postmaster: number): number | null {
  const root = processTicks(postmaster, true);
  if (root === undefined) {
    return null;
  }
  let ticks = root.ticks;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const child = processTicks(Number(entry), false);
    if (child?.ppid === postmaster) {
      ticks += child.ticks;
    }
  }
  return (ticks * 1e6) / CLOCK_TICKS;
}

/**
 * A statement PostgreSQL runs by itself: the check of a deferred foreign key, which runs at
 * commit and is counted as a top-level statement (`SELECT 1 FROM ONLY … FOR KEY SHARE OF x`).
 * It is no request of the client.
 */
export function isForeignKeyCheck(query: string): boolean {
  return /^SELECT \S+ FROM ONLY /.test(query) && /FOR KEY SHARE OF x\s*$/.test(query.trim());
}

/** The start of a statement, as its name in the counts. */
function statementName(query: string): string {
  const flat = query.replace(/\s+/g, ' ').trim();
  return flat.length > 60 ? `${flat.slice(0, 57)}…` : flat;
}

/**
 * Starts PostgreSQL (Debian's package, installed with apt-get if missing) in a fresh data
 * directory on a free port, as the `postgres` user when run as root. Settings for a throwaway
 * benchmark store like the others (fsync, synchronous_commit and full_page_writes off).
 * Requests are the server's own statement counters (pg_stat_statements) of pg-boss's role only;
 * server CPU from /proc.
 */
export async function startPostgres(): Promise<Store | MissingStore> {
  let bin = postgresBin();
  if (bin === undefined) {
    const failure = await installDebianPackages(['postgresql']);
    bin = postgresBin();
    if (bin === undefined) {
      return {
        kind: 'postgres',
        reason: `PostgreSQL is missing (${failure ?? 'not found after install'})`,
      };
    }
  }
  const root = process.getuid?.() === 0;
  const user = root ? systemUser('postgres') : undefined;
  if (root && user === undefined) {
    return {
      kind: 'postgres',
      reason: 'running as root and there is no postgres user to run PostgreSQL as',
    };
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'monque-bench-pg-'));
  if (user !== undefined) {
    chownSync(dataDir, user.uid, user.gid);
  }
  const asUser = user === undefined ? {} : { uid: user.uid, gid: user.gid };
  const port = await freePort();
  let child: ChildProcess | undefined;
  const admin = new pg.Client({ host: '127.0.0.1', port, user: 'bench', database: 'postgres' });
  try {
    await runCommand(
      join(bin, 'initdb'),
      ['-D', dataDir, '-U', 'bench', '-A', 'trust', '-E', 'UTF8', '--no-sync'],
      { ...asUser, env: { ...process.env, LC_ALL: 'C' } },
    );
    const server = spawn(
      join(bin, 'postgres'),
      [
        '-D',
        dataDir,
        '-p',
        String(port),
        '-k',
        dataDir,
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'shared_preload_libraries=pg_stat_statements',
        '-c',
        'pg_stat_statements.track=top',
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
      ],
      { ...asUser, stdio: ['ignore', 'ignore', 'ignore'] },
    );
    child = server;
    await retryUntil(async () => {
      if (server.exitCode !== null) {
        throw new Error(`postgres exited with ${server.exitCode}`);
      }
      const probe = new pg.Client({ host: '127.0.0.1', port, user: 'bench', database: 'postgres' });
      try {
        await probe.connect();
      } finally {
        await probe.end().catch(() => undefined);
      }
    }, 20_000);
    await admin.connect();
    await admin.query(`CREATE ROLE ${WORKER_ROLE} LOGIN`);
    await admin.query(`CREATE DATABASE ${DATABASE} OWNER ${WORKER_ROLE}`);
    await admin.end();
  } catch (error) {
    await admin.end().catch(() => undefined);
    child?.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
    return {
      kind: 'postgres',
      reason: `PostgreSQL did not start: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  const server = child;
  const stats = new pg.Client({ host: '127.0.0.1', port, user: 'bench', database: DATABASE });
  await stats.connect();
  await stats.query('CREATE EXTENSION pg_stat_statements');
  const version = String(
    ((await stats.query('SHOW server_version')).rows[0] as { server_version: string })
      .server_version,
  );
  return {
    kind: 'postgres',
    label: `PostgreSQL ${version.split(' ')[0]}`,
    description:
      `PostgreSQL ${version} (Debian postgresql; fresh data directory, fsync/synchronous_commit/full_page_writes off; ` +
      'own processes; requests from pg_stat_statements of the pg-boss role, foreign-key checks left out)',
    connection: {
      kind: 'postgres',
      connectionString: `postgresql://${WORKER_ROLE}@127.0.0.1:${port}/${DATABASE}`,
    },
    requestsCountedBy: 'server',
    async counts() {
      const { rows } = await stats.query(
        `SELECT query, calls FROM pg_stat_statements
          WHERE userid = (SELECT oid FROM pg_roles WHERE rolname = $1)
            AND dbid = (SELECT oid FROM pg_database WHERE datname = $2)`,
        [WORKER_ROLE, DATABASE],
      );
      const byCommand: Record<string, number> = {};
      for (const row of rows as { query: string; calls: string | number }[]) {
        if (isForeignKeyCheck(row.query)) continue;
        const name = statementName(row.query);
        byCommand[name] = (byCommand[name] ?? 0) + Number(row.calls);
      }
      return { byCommand, serverCpuUs: server.pid === undefined ? null : serverCpuUs(server.pid) };
    },
    async stop() {
      await stats.end().catch(() => undefined);
      server.kill('SIGINT');
      await childExited(server);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
