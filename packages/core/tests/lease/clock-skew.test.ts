import { ObjectId } from 'mongodb';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { JobDocument } from '../../src/jobs/job.js';
import type { MonqueOptions } from '../../src/options.js';
import { newJobDocument } from '../../src/scheduling/new-job.js';
import { assertBuilt, ChildHandle } from '../reliability/support/worker-process.js';
import { nextEvent, useSchedulerHarness } from '../setup/scheduler-harness.js';

const HEARTBEAT = 200;
const LOCK_TIMEOUT = 1000;
/** The skew of the other instance's clock: ± 2 × lockTimeout. */
const SKEW = 2 * LOCK_TIMEOUT;
const OPTIONS: MonqueOptions = { heartbeatInterval: HEARTBEAT, lockTimeout: LOCK_TIMEOUT };
/**
 * How early a job may start by the database's clock: the error of the instance's estimate of it
 * (half the round trip of its sample; well under this on any test machine).
 */
const EARLY_TOLERANCE = 50;
/** How late it may start: far above a busy machine's wake-up and claim latency, far below the skew. */
const LATE_BOUND = SKEW / 2;

/**
 * Lease and due-time decisions are taken on the database's clock: an instance whose own clock is
 * off by ± 2 × lockTimeout neither takes over live jobs, nor leaves stale ones, nor runs due
 * jobs early or late. The other instance runs in a child process whose clock is shifted.
 */
describe('instances whose clocks disagree', () => {
  const harness = useSchedulerHarness('clock_skew');
  const children: ChildHandle[] = [];

  beforeAll(() => {
    assertBuilt();
  });
  afterEach(async () => {
    await Promise.all(children.splice(0).map((child) => child.stop(10_000)));
  });

  /** The database server's time now (its `hello` reply). */
  async function serverNow(): Promise<number> {
    const { localTime } = await harness.db.command({ hello: 1 });
    return (localTime as Date).getTime();
  }

  /** Starts an instance in a child process whose clock is shifted by `shift` ms. */
  async function skewedInstance(shift: number, collectionName: string): Promise<ChildHandle> {
    const child = new ChildHandle(
      '../../lease/fixtures/skewed-instance.mjs',
      {
        MONQUE_CLOCK_SHIFT_MS: String(shift),
        MONQUE_WORKER_CONFIG: JSON.stringify({
          uri: harness.database.uri,
          dbName: harness.db.databaseName,
          collectionName,
          jobName: 'work',
          options: OPTIONS,
          startsCollection: `${collectionName}_starts`,
        }),
      },
      ['--import', new URL('./fixtures/shift-clock.mjs', import.meta.url).href],
    );
    children.push(child);
    const ready = await child.waitForMessage('ready', 20_000);
    // Its clock is shifted indeed (the message's stamp against this process's arrival time).
    expect(Math.abs(ready.at - ready.receivedAt - shift)).toBeLessThan(SKEW / 4);
    return child;
  }

  /** A job claimed by an instance that stopped beating `age` ms ago (by the server's clock). */
  async function staleJob(collectionName: string, name: string, age: number): Promise<ObjectId> {
    const lastHeartbeat = new Date((await serverNow()) - age);
    const _id = new ObjectId();
    await harness.db.collection<JobDocument>(collectionName).insertOne({
      ...newJobDocument({ name, data: null, nextRunAt: lastHeartbeat }, lastHeartbeat),
      _id,
      status: 'processing',
      claimedBy: 'gone',
      lockedAt: lastHeartbeat,
      lastHeartbeat,
      heartbeatInterval: HEARTBEAT,
    });
    return _id;
  }

  it(`an instance ${SKEW} ms ahead does not take over a live job`, async () => {
    const collectionName = harness.collectionName();
    const owner = harness.create({ collectionName, ...OPTIONS, recoverStaleJobs: false });
    let release: () => void = () => {};
    owner.worker('work', () => new Promise<void>((resolve) => (release = resolve)));
    const started = nextEvent(owner, 'job:start');
    await owner.start();
    const { job: live } = await owner.enqueue('work', null);
    const [claimed] = await started;
    const ahead = await skewedInstance(SKEW, collectionName);
    // Probes show the skewed instance's stale sweeps: each is stale by the server's clock, and is
    // recovered by a sweep that would also have taken the live job over were it judged on the
    // skewed clock. The probes span more than lockTimeout of the live job's life.
    for (let probe = 1; probe <= 3; probe += 1) {
      await staleJob(collectionName, 'probe', 5 * LOCK_TIMEOUT);
      const recovered = await ahead.waitFor(
        `the recovery of probe ${probe}`,
        () => ahead.ofType('recovered').length >= probe && ahead.ofType('recovered'),
        10_000,
      );
      expect(recovered.map(({ count }) => count)).toEqual(Array(probe).fill(1));
      const stored = await owner.getJob(live._id);
      expect(stored).toMatchObject({ status: 'processing', claimedBy: claimed.claimedBy });
      expect(stored?.lockedAt).toEqual(claimed.lockedAt);
    }
    expect(ahead.ofType('started')).toEqual([]);
    release();
  });

  it(`an instance ${SKEW} ms behind still recovers a stale job at its next sweep`, async () => {
    const collectionName = harness.collectionName();
    const behind = await skewedInstance(-SKEW, collectionName);
    const sweepsBefore = behind.ofType('sweep').length;
    await staleJob(collectionName, 'probe', LOCK_TIMEOUT + 2 * HEARTBEAT);
    const recovered = await behind.waitForMessage('recovered', 10_000);
    // The first sweep may have been sent before the job was stored: at most the second one.
    const sweeps = behind.ofType('sweep').filter((sweep) => sweep.at <= recovered.at);
    expect(sweeps.length - sweepsBefore).toBeLessThanOrEqual(2);
  });

  for (const shift of [SKEW, -SKEW]) {
    it(`an instance ${Math.abs(shift)} ms ${shift > 0 ? 'ahead' : 'behind'} runs a due job neither early nor late`, async () => {
      const collectionName = harness.collectionName();
      const skewed = await skewedInstance(shift, collectionName);
      const producer = harness.create({ collectionName, ...OPTIONS });
      const runAt = new Date((await serverNow()) + 1500);
      const { job } = await producer.enqueue('work', null, { runAt });
      const [started] = await skewed.waitFor(
        'the start of the job',
        () => skewed.ofType('started').length > 0 && skewed.ofType('started'),
        10_000,
      );
      expect(started?.jobId).toBe(job._id.toHexString());
      // When the handler started, stamped by the server (not by the code under test).
      const start = await harness.db
        .collection<{ _id: ObjectId; startedAt: Date }>(`${collectionName}_starts`)
        .findOne({ _id: job._id });
      const late = (start?.startedAt.getTime() ?? Number.NaN) - runAt.getTime();
      console.info(
        `[clock skew] instance ${shift > 0 ? '+' : ''}${shift} ms: started ${late} ms after runAt (server clock)`,
      );
      expect(late).toBeGreaterThanOrEqual(-EARLY_TOLERANCE);
      expect(late).toBeLessThanOrEqual(LATE_BOUND);
    });
  }
});
