import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Admin, MongoClient } from 'mongodb';
import type { JobDocument } from '../../../src/jobs/job.js';
import { Monque } from '../../../src/monque.js';
import type { MonqueOptions } from '../../../src/options.js';
import { type LogRecord, openLog, readLog } from '../support/execution-log.js';
import { waitForCondition } from '../support/wait.js';
import { type ChaosVerdict, chaosFailures, checkChaos, type FinalJob } from './checker.js';
import { DatabaseHost } from './database-host.js';
import { Nemesis } from './nemesis.js';
import { Prng } from './prng.js';
import { CHAOS_WORKERS, ChaosProducer } from './producer.js';
import { WorkerPool } from './worker-pool.js';

/** The worker processes of a run. */
export const CHAOS_WORKER_COUNT = 4;
const HEARTBEAT_INTERVAL = 500;
/** Long enough that a busy machine's pauses stay well inside `lockTimeout − heartbeatInterval`. */
export const CHAOS_LOCK_TIMEOUT = 2000;
/** The options of every worker's Monque. */
const MONQUE_OPTIONS: MonqueOptions = {
  heartbeatInterval: HEARTBEAT_INTERVAL,
  lockTimeout: CHAOS_LOCK_TIMEOUT,
  pollInterval: 200,
  maxRetries: 5,
  baseRetryInterval: 100,
  maxBackoffDelay: 1000,
  shutdownTimeout: 10_000,
};
/** Operations fail within 1 s while the database is down, instead of waiting 30 s. */
const CLIENT_OPTIONS = { serverSelectionTimeoutMS: 1000, heartbeatFrequencyMS: 500 };
/** How long the jobs may take to drain once the chaos stopped. */
const DRAIN_TIMEOUT = 30_000;
/** How long a worker may take to stop at the end. */
const STOP_TIMEOUT = 20_000;

/** What a chaos run is asked to do. */
export interface ChaosOptions {
  readonly seed: number;
  /** How long the nemesis disturbs the run. */
  readonly seconds: number;
  /**
   * A server to run on instead of an emulator process of the run's own; the database cannot be
   * stopped then, so there are no outages.
   */
  readonly uri?: string;
  /** Keep the logs even when the run passes (they are kept when it fails). */
  readonly keepLogs?: boolean;
}

/** What a chaos run did and what the checker found. */
export interface ChaosRun {
  readonly seed: number;
  readonly seconds: number;
  /** The disturbances the run could cause (fail points need `failCommand`, outages a server it owns). */
  readonly disturbances: readonly string[];
  /** From the first worker's start to the last one's exit (ms). */
  readonly durationMs: number;
  /** From the end of the chaos until every one-off job was done (ms), or `undefined` if never. */
  readonly drainedMs: number | undefined;
  readonly verdict: ChaosVerdict;
  readonly failures: readonly string[];
  /** Where the logs are (removed when the run passed, unless `keepLogs`). */
  readonly logDir: string;
}

async function supportsFailPoints(admin: Admin): Promise<boolean> {
  try {
    await admin.command({ configureFailPoint: 'failCommand', mode: 'off' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs one seed of the chaos test: an emulator in its own process (or `options.uri`), 4 worker
 * processes (fixtures/logged-worker.mjs), the producer (in this process) and the nemesis for
 * `seconds`; then waits until the run is quiescent — the nemesis's disturbances undone, the
 * producer stopped, every one-off job done and each recurring job run again — stops the workers
 * and judges the logs and the jobs (chaos/checker.ts).
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosRun> {
  const { seed, seconds } = options;
  const runId = randomBytes(4).toString('hex');
  const logDir = mkdtempSync(join(tmpdir(), `monque-chaos-${seed}-`));
  const log = openLog(join(logDir, 'nemesis.jsonl'), 'nemesis');
  const producerLog = openLog(join(logDir, 'producer.jsonl'), 'producer');
  const database = options.uri === undefined ? await DatabaseHost.start() : undefined;
  const uri = options.uri ?? (database as DatabaseHost).uri;
  const dbName = `chaos_${seed}_${runId}`;
  const collectionName = 'chaos_jobs';
  const admin = await new MongoClient(uri, { serverSelectionTimeoutMS: 10_000 }).connect();
  const producerAppName = `chaos-${runId}-producer`;
  const producerClient = await new MongoClient(uri, {
    ...CLIENT_OPTIONS,
    appName: producerAppName,
  }).connect();
  const failPoints = await supportsFailPoints(admin.db('admin').admin());
  const pool = new WorkerPool(
    {
      uri,
      dbName,
      collectionName,
      logDir,
      runId,
      options: MONQUE_OPTIONS,
      clientOptions: CLIENT_OPTIONS,
      workers: CHAOS_WORKERS,
    },
    log,
  );
  const nemesis = new Nemesis({
    pool,
    database,
    admin: failPoints ? admin.db('admin').admin() : undefined,
    producerAppName,
    prng: new Prng(seed, 2),
    log,
    lockTimeout: CHAOS_LOCK_TIMEOUT,
  });
  const monque = new Monque(producerClient.db(dbName), { collectionName });
  const producer = new ChaosProducer(monque, new Prng(seed, 1), producerLog, CHAOS_LOCK_TIMEOUT);
  const startedAt = Date.now();
  let drainedMs: number | undefined;
  let jobs: FinalJob[] = [];
  try {
    await pool.start(CHAOS_WORKER_COUNT);
    await producer.start();
    try {
      await nemesis.run(seconds);
    } finally {
      await producer.stop();
    }
    const quiescent = log.write({ ev: 'quiescent' });
    drainedMs = await drain(monque, pool, quiescent, producerLog.path);
    await pool.stopAll(STOP_TIMEOUT);
    jobs = (await monque.collection.find({}).toArray()).map(finalJob);
    writeFileSync(join(logDir, 'jobs.json'), `${JSON.stringify(jobs, null, 1)}\n`);
  } catch (error) {
    log.write({ ev: 'harness-error', message: String(error) });
  } finally {
    await pool.killAll();
    await producerClient.close();
    if (database === undefined) {
      // A server of the suite's own: leave nothing behind.
      await admin
        .db(dbName)
        .dropDatabase()
        .catch((error: unknown) => log.write({ ev: 'harness-error', message: String(error) }));
    }
    await admin.close();
    if (database !== undefined) {
      const { code, signal } = await database.exit();
      log.write({ ev: 'database-exit', code, signal });
    }
    log.close();
    producerLog.close();
  }
  const durationMs = Date.now() - startedAt;
  // A process killed before it opened its log logged nothing.
  const read = (name: string): LogRecord[] => {
    const path = join(logDir, `${name}.jsonl`);
    return existsSync(path) ? readLog(path) : [];
  };
  const verdict = checkChaos({
    workers: pool.procs.flatMap(read),
    nemesis: read('nemesis'),
    producer: read('producer'),
    jobs,
  });
  const failures = chaosFailures(verdict);
  if (failures.length === 0 && options.keepLogs !== true) {
    rmSync(logDir, { recursive: true, force: true });
  }
  return {
    seed,
    seconds,
    disturbances: nemesis.kinds,
    durationMs,
    drainedMs,
    verdict,
    failures,
    logDir,
  };
}

function finalJob(job: JobDocument): FinalJob {
  return {
    id: job._id.toHexString(),
    name: job.name,
    status: job.status,
    recurring: job.repeatInterval !== null,
    failReason: job.failReason,
  };
}

/**
 * Waits until every one-off job is done and each recurring job has started again since the run
 * became quiescent. Returns how long that took, or `undefined` if it did not happen (the checker
 * then reports what is missing).
 */
async function drain(
  monque: Monque,
  pool: WorkerPool,
  quiescent: LogRecord,
  producerLogPath: string,
): Promise<number | undefined> {
  const recurring = readLog(producerLogPath)
    .filter(({ ev, kind }) => ev === 'enqueued' && kind === 'cron')
    .map(({ job }) => String(job));
  const startedAt = Date.now();
  return waitForCondition(
    'the run to drain',
    async () => {
      const open = await monque.collection.countDocuments({
        repeatInterval: null,
        status: { $in: ['pending', 'processing'] },
      });
      const restarted = new Set(
        pool
          .messages('start')
          .filter(({ t }) => typeof t === 'number' && t > quiescent.t)
          .map(({ job }) => String(job)),
      );
      return open === 0 && recurring.every((id) => restarted.has(id));
    },
    { timeout: DRAIN_TIMEOUT, interval: 200 },
  ).then(
    () => Date.now() - startedAt,
    () => undefined,
  );
}
