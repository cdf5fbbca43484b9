import type { CommandStartedEvent } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { nextEvent, useSchedulerHarness } from '../setup/scheduler-harness.js';

const JOBS = 2000;
const CONCURRENCY = 50;

/**
 * The commands an instance sends to run its jobs: claims, heartbeats, stale recovery and outcome
 * writes — not the enqueueing, the index creation, or the change stream's own aggregate and
 * getMore (claim and read-back cursors fit in their first batch, so they send no getMore).
 */
function isProcessingCommand(event: CommandStartedEvent, collection: string): boolean {
  const { commandName, command } = event;
  if (command[commandName] !== collection) return false;
  if (commandName === 'insert' || commandName === 'createIndexes') return false;
  if (commandName === 'getMore') return false;
  if (commandName === 'aggregate') {
    const [first] = command.pipeline as Record<string, unknown>[];
    return first === undefined || !('$changeStream' in first);
  }
  return true;
}

describe('command efficiency', () => {
  const harness = useSchedulerHarness('efficiency');

  it(`processes ${JOBS} no-op jobs at concurrency ${CONCURRENCY} with few commands per job`, async () => {
    const collectionName = harness.collectionName();
    const db = await harness.separateDb({ monitorCommands: true });
    const monque = harness.create(
      { collectionName, heartbeatInterval: 1000, lockTimeout: 3000, pollInterval: 1000 },
      db,
    );
    monque.worker('noop', () => {}, { concurrency: CONCURRENCY });
    await monque.enqueueMany(
      Array.from({ length: JOBS }, (_, i) => ({ name: 'noop', data: { i } })),
    );

    const counted = new Map<string, number>();
    let counting = true;
    db.client.on('commandStarted', (event) => {
      if (counting && isProcessingCommand(event, collectionName)) {
        counted.set(event.commandName, (counted.get(event.commandName) ?? 0) + 1);
      }
    });
    let completed = 0;
    const allDone = new Promise<void>((resolve, reject) => {
      monque.on('job:complete', () => {
        completed += 1;
        if (completed === JOBS) resolve();
      });
      monque.on('job:error', ({ error }) => reject(error));
    });
    const startedAt = Date.now();
    await monque.start();
    await allDone;
    counting = false;
    const elapsed = Date.now() - startedAt;

    const total = [...counted.values()].reduce((sum, count) => sum + count, 0);
    const perJob = total / JOBS;
    const breakdown = [...counted.entries()].map(([name, count]) => `${name} ${count}`).join(', ');
    console.info(
      `[efficiency] ${JOBS} jobs, concurrency ${CONCURRENCY}: ${total} commands ` +
        `(${perJob.toFixed(3)} per processed job; ${breakdown}) in ${elapsed} ms`,
    );
    expect(await monque.collection.countDocuments({ status: 'completed' })).toBe(JOBS);
    // A generous bound, so this is not a timing test: one command per job would mean no batching.
    expect(perJob).toBeLessThan(1);
  }, 120_000);

  it('sends at most one query per job name and backupPollInterval when idle', async () => {
    const collectionName = harness.collectionName();
    const db = await harness.separateDb({ monitorCommands: true });
    const backupPollInterval = 200;
    const heartbeatInterval = 500;
    const monque = harness.create(
      { collectionName, backupPollInterval, heartbeatInterval, lockTimeout: 1500 },
      db,
    );
    monque.worker('a', () => {});
    monque.worker('b', () => {});
    const connected = nextEvent(monque, 'changestream:connected');
    await monque.start();
    await connected;

    const counted: string[] = [];
    // The subject is a rate: count what an idle instance sends over a fixed window. The window is
    // measured around the counting (start before the listener, end after the snapshot), so no
    // counted command falls outside it.
    const from = performance.now();
    db.client.on('commandStarted', (event) => {
      if (isProcessingCommand(event, collectionName)) counted.push(event.commandName);
    });
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const snapshot = [...counted];
    const windowMs = performance.now() - from;
    const lookups = snapshot.filter((name) => name === 'find').length;
    const writes = snapshot.filter((name) => name === 'update').length;
    console.info(
      `[efficiency] idle for ${windowMs} ms (2 names, backup poll ${backupPollInterval} ms, ` +
        `heartbeat ${heartbeatInterval} ms): ${lookups} lookups, ${writes} updates ` +
        `(stale recovery), ${snapshot.length} commands in all`,
    );
    // A timer firing every P ms fires at most ceil(W / P) + 1 times in a window of W ms (the
    // rounding up absorbs the timers' sub-millisecond jitter): per name for the backup poll.
    const ticks = (interval: number): number => Math.ceil(windowMs / interval) + 1;
    expect(lookups).toBeLessThanOrEqual(2 * ticks(backupPollInterval));
    // No empty heartbeat: only the stale recovery writes, once per heartbeat.
    expect(writes).toBeLessThanOrEqual(ticks(heartbeatInterval));
    expect(snapshot.length).toBe(lookups + writes);
  });
});
