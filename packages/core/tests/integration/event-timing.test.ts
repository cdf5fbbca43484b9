import type { CommandSucceededEvent, Db } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { JobOwnershipLostError } from '../../src/errors.js';
import { nextEvent, useSchedulerHarness } from '../setup/scheduler-harness.js';

/**
 * Every event must follow the database's answer to the write that made the state change it
 * reports within this many milliseconds: Monque adds no wait of its own (no timer, no further
 * round trip) between the answer and the event. Measured from the answer, not from the write's
 * start, so that a slow database (or a busy test machine) does not count against Monque.
 */
const WITHIN = 100;

/** When the client of `db` last got an answer to each command name. */
function answers(db: Db): Map<string, number> {
  const at = new Map<string, number>();
  db.client.on('commandSucceeded', (event: CommandSucceededEvent) => {
    at.set(event.commandName, Date.now());
  });
  return at;
}

describe('event timing (SC-005)', () => {
  const harness = useSchedulerHarness('events');

  it('emits job:start, job:complete and job:fail within 100 ms of the answer to their write', async () => {
    const db = await harness.separateDb({ monitorCommands: true });
    const answered = answers(db);
    const monque = harness.create({ collectionName: harness.collectionName(), maxRetries: 1 }, db);
    monque.worker('ok', () => {});
    monque.worker('bad', () => {
      throw new Error('nope');
    });
    await monque.start();
    const since = (command: string): number => Date.now() - (answered.get(command) ?? 0);

    let startLag = Number.NaN;
    let completeLag = Number.NaN;
    let failLag = Number.NaN;
    // With several free slots a claim is a batch whose last command reads back what it claimed
    // (a find); outcomes are written with update.
    monque.once('job:start', () => {
      startLag = since('find');
    });
    monque.once('job:complete', () => {
      completeLag = since('update');
    });
    monque.once('job:fail', () => {
      failLag = since('update');
    });
    const completed = nextEvent(monque, 'job:complete');
    const ok = await monque.enqueue('ok', null);
    await completed;
    expect((await monque.collection.findOne({ _id: ok._id }))?.status).toBe('completed');
    const failed = nextEvent(monque, 'job:fail');
    const bad = await monque.enqueue('bad', null);
    await failed;
    expect((await monque.collection.findOne({ _id: bad._id }))?.status).toBe('failed');

    expect(startLag).toBeLessThanOrEqual(WITHIN);
    expect(completeLag).toBeLessThanOrEqual(WITHIN);
    expect(failLag).toBeLessThanOrEqual(WITHIN);
  });

  it('emits stale:recovered and the ownership job:error within 100 ms of the answer', async () => {
    const collectionName = harness.collectionName();
    const ownerDb = await harness.separateDb({ monitorCommands: true });
    const ownerAnswers = answers(ownerDb);
    const rescuerDb = await harness.separateDb({ monitorCommands: true });
    const rescuerAnswers = answers(rescuerDb);
    // The owner's heartbeats never arrive (a zombie); it does not recover stale jobs itself. Its
    // own lease is long (lockTimeout 5 s), so it does not give the job up before its outcome
    // meets the fence.
    const owner = harness.create(
      { collectionName, heartbeatInterval: 100, lockTimeout: 5000, recoverStaleJobs: false },
      harness.frozenHeartbeats(ownerDb),
    );
    const rescuer = harness.create(
      { collectionName, heartbeatInterval: 100, lockTimeout: 300 },
      rescuerDb,
    );
    let finish: () => void = () => {};
    // Concurrency 1: while its run hangs, the owner cannot claim the recovered job back.
    owner.worker('slow', () => new Promise<void>((resolve) => (finish = resolve)), {
      concurrency: 1,
    });
    const started = nextEvent(owner, 'job:start');
    await owner.start();
    const job = await owner.enqueue('slow', null);
    await started;

    // The rescuer has no worker: the recovered job stays pending for inspection.
    let recoveredLag = Number.NaN;
    rescuer.once('stale:recovered', () => {
      recoveredLag = Date.now() - (rescuerAnswers.get('update') ?? 0);
    });
    const recovered = nextEvent(rescuer, 'stale:recovered');
    await rescuer.start();
    await recovered;
    expect((await rescuer.collection.findOne({ _id: job._id }))?.status).toBe('pending');

    // The owner's outcome write matches nothing; it reads the job back and reports the loss.
    let lostLag = Number.NaN;
    owner.once('job:error', () => {
      lostLag = Date.now() - (ownerAnswers.get('find') ?? 0);
    });
    const lost = nextEvent(owner, 'job:error');
    finish();
    const [{ error }] = await lost;
    expect(error).toBeInstanceOf(JobOwnershipLostError);
    expect(recoveredLag).toBeLessThanOrEqual(WITHIN);
    expect(lostLag).toBeLessThanOrEqual(WITHIN);
  });
});
