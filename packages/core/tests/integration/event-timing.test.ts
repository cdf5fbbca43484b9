import type { CommandSucceededEvent, Db } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { JobOwnershipLostError } from '../../src/errors.js';
import { nextEvent, useSchedulerHarness } from '../setup/scheduler-harness.js';

/**
 * Every event must follow the database's answer to the write that made the state change it
 * reports with no wait of Monque's own in between: no timer, no further round trip. That is
 * checked as causality, not as a duration (which a busy machine stretches): the event is emitted
 * before the event loop turns after that answer. A timer or another round trip would let it turn
 * (Node runs `setImmediate` callbacks once per turn, after the I/O that delivered the answer).
 */
interface Answers {
  /** Whether the client has an answer to `command` and the loop has not turned since the last. */
  sameTurn(command: string): boolean;
}

/** Watches the answers the client of `db` gets. */
function answers(db: Db): Answers {
  const latest = new Map<string, number>();
  const turned = new Set<string>();
  let count = 0;
  db.client.on('commandSucceeded', ({ commandName }: CommandSucceededEvent) => {
    count += 1;
    const answer = count;
    latest.set(commandName, answer);
    turned.delete(commandName);
    setImmediate(() => {
      if (latest.get(commandName) === answer) turned.add(commandName);
    });
  });
  return { sameTurn: (command) => latest.has(command) && !turned.has(command) };
}

describe('event timing (SC-005)', () => {
  const harness = useSchedulerHarness('events');

  it('emits job:start, job:complete and job:fail in the same turn as the answer to their write', async () => {
    const db = await harness.separateDb({ monitorCommands: true });
    const answered = answers(db);
    const monque = harness.create({ collectionName: harness.collectionName(), maxRetries: 1 }, db);
    monque.worker('ok', () => {});
    monque.worker('bad', () => {
      throw new Error('nope');
    });
    await monque.start();
    const emitted: Record<string, boolean> = {};
    // With several free slots a claim is a batch whose last command is its claiming update when
    // it got every candidate (no read-back); outcomes are written with update.
    monque.once('job:start', () => {
      emitted['job:start'] = answered.sameTurn('update');
    });
    monque.once('job:complete', () => {
      emitted['job:complete'] = answered.sameTurn('update');
    });
    monque.once('job:fail', () => {
      emitted['job:fail'] = answered.sameTurn('update');
    });
    const completed = nextEvent(monque, 'job:complete');
    const { job: ok } = await monque.enqueue('ok', null);
    await completed;
    expect((await monque.collection.findOne({ _id: ok._id }))?.status).toBe('completed');
    const failed = nextEvent(monque, 'job:fail');
    const { job: bad } = await monque.enqueue('bad', null);
    await failed;
    expect((await monque.collection.findOne({ _id: bad._id }))?.status).toBe('failed');

    expect(emitted).toEqual({ 'job:start': true, 'job:complete': true, 'job:fail': true });
  });

  it('emits stale:recovered and the ownership job:error in the same turn as the answer', async () => {
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
    const { job } = await owner.enqueue('slow', null);
    await started;

    // The rescuer has no worker: the recovered job stays pending for inspection.
    let recoveredInTurn: boolean | undefined;
    rescuer.once('stale:recovered', () => {
      recoveredInTurn = rescuerAnswers.sameTurn('update');
    });
    const recovered = nextEvent(rescuer, 'stale:recovered');
    await rescuer.start();
    await recovered;
    expect((await rescuer.collection.findOne({ _id: job._id }))?.status).toBe('pending');

    // The owner's outcome write matches nothing; it reads the job back and reports the loss.
    let lostInTurn: boolean | undefined;
    owner.once('job:error', () => {
      lostInTurn = ownerAnswers.sameTurn('find');
    });
    const lost = nextEvent(owner, 'job:error');
    finish();
    const [{ error }] = await lost;
    expect(error).toBeInstanceOf(JobOwnershipLostError);
    expect(recoveredInTurn).toBe(true);
    expect(lostInTurn).toBe(true);
  });
});
