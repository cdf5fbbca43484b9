import { describe, expect, it } from 'vitest';
import { JobOwnershipLostError } from '../../src/errors.js';
import type { JobErrorEvent } from '../../src/events.js';
import type { JobContext } from '../../src/workers/worker-registry.js';
import { failPoints } from '../reliability/support/fail-points.js';
import { nextEvent, useSchedulerHarness } from '../setup/scheduler-harness.js';

const HEARTBEAT = 200;
const LOCK_TIMEOUT = 1000;

/**
 * An instance whose heartbeats cannot be written must stop its handlers before another instance
 * may take their jobs over: a handler that honours its signal never runs beside its successor.
 */
describe('a lost lease', () => {
  const harness = useSchedulerHarness('lost_lease');

  it("aborts the handler before another instance takes the job over (fail point on A's heartbeats)", async (context) => {
    const admin = harness.db.admin();
    const support = await failPoints(admin);
    if (!support.available) context.skip(support.reason);
    const collectionName = harness.collectionName();
    const options = { collectionName, heartbeatInterval: HEARTBEAT, lockTimeout: LOCK_TIMEOUT };
    const a = harness.create(options, await harness.separateDb({ appName: 'lease-a' }));
    const b = harness.create(options, await harness.separateDb({ appName: 'lease-b' }));
    const instants = { startOnA: Number.NaN, abortOnA: Number.NaN, startOnB: Number.NaN };
    let aborts = 0;
    a.worker(
      'work',
      (_, { signal }: JobContext) =>
        new Promise<void>((_, reject) => {
          signal.addEventListener('abort', () => {
            aborts += 1;
            instants.abortOnA = performance.now();
            reject(signal.reason);
          });
        }),
      { concurrency: 1 },
    );
    b.worker('work', () => {
      instants.startOnB = performance.now();
    });
    const errorsOnA: JobErrorEvent[] = [];
    a.on('job:error', (event) => errorsOnA.push(event));
    b.on('job:error', () => {});

    const startedOnA = nextEvent(a, 'job:start');
    await a.start();
    const { job } = await a.enqueue('work', null);
    await startedOnA;
    instants.startOnA = performance.now();
    // From now on every `update` of A fails: its heartbeats (and its stale sweeps) never land.
    await admin.command({
      configureFailPoint: 'failCommand',
      mode: 'alwaysOn',
      data: { failCommands: ['update'], appName: 'lease-a', errorCode: 91 },
    });
    try {
      const completedOnB = nextEvent(b, 'job:complete', 10_000);
      await b.start();
      const [{ job: completed }] = await completedOnB;
      expect(completed._id.equals(job._id)).toBe(true);
    } finally {
      await admin.command({ configureFailPoint: 'failCommand', mode: 'off' });
    }
    console.info(
      `[lost lease] heartbeat ${HEARTBEAT} ms, lockTimeout ${LOCK_TIMEOUT} ms: A started the ` +
        `job at 0 ms, A's signal aborted at ${Math.round(instants.abortOnA - instants.startOnA)} ms, ` +
        `B started it at ${Math.round(instants.startOnB - instants.startOnA)} ms`,
    );
    expect(aborts).toBe(1);
    expect(instants.abortOnA).toBeLessThan(instants.startOnB);
    const lost = errorsOnA.find(({ error }) => error instanceof JobOwnershipLostError);
    expect(lost?.job?._id.equals(job._id)).toBe(true);
    expect(lost?.error.message).toMatch(/heartbeats could not be confirmed/);
  });
});
