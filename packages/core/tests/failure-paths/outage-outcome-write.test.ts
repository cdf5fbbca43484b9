import { MongoEmulator } from '@monque/mongo-emulator';
import { MongoClient } from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionError } from '../../src/errors.js';
import type { JobErrorEvent, JobFailEvent } from '../../src/events.js';
import { Monque } from '../../src/monque.js';

/**
 * The server goes away while a job's outcome is being written: the driver's `bulkWrite` then fails
 * with a `MongoBulkWriteError` wrapping the refused connection. That is a transient failure: the
 * write is retried while the job stays claimed (not replaced by a final failure), and lands once
 * the server is back. Needs a server the test can stop: a dedicated emulator, whatever the
 * database of the other tests.
 */
describe('a database outage while an outcome is written', () => {
  const cleanups: (() => Promise<void>)[] = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('the write is retried while the job stays claimed and lands once the server is back', async () => {
    let emulator = await MongoEmulator.start({ port: 0, replicaSet: 'rs0' });
    const { port, uri } = emulator;
    cleanups.push(async () => {
      await emulator.stop();
      MongoEmulator.discardData(port);
    });
    // Short server selection, so that operations fail during the outage instead of waiting 30 s.
    const client = await new MongoClient(uri, {
      serverSelectionTimeoutMS: 1000,
      heartbeatFrequencyMS: 500,
    }).connect();
    cleanups.push(() => client.close());
    // A long lease: the outage must not let the job be taken over while its outcome is retried.
    const monque = new Monque(client.db('outage_outcome'), {
      heartbeatInterval: 1000,
      lockTimeout: 60_000,
      pollInterval: 200,
    });
    cleanups.push(() => monque.stop());

    let started: () => void = () => {};
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    let finish: () => void = () => {};
    const finished = new Promise<void>((resolve) => {
      finish = resolve;
    });
    let executions = 0;
    monque.worker(
      'work',
      async () => {
        executions += 1;
        started();
        await finished;
      },
      { concurrency: 1 },
    );
    const outcomeErrors: JobErrorEvent[] = [];
    monque.on('job:error', (event) => {
      if (event.error.message.startsWith('could not record')) outcomeErrors.push(event);
    });
    const failed: JobFailEvent[] = [];
    monque.on('job:fail', (event) => failed.push(event));
    let completed = 0;
    monque.on('job:complete', () => {
      completed += 1;
    });
    await monque.start();
    const { job } = await monque.enqueue('work', {});
    await running;

    await emulator.stop();
    const enqueueDuringOutage = await monque
      .enqueueMany([
        { name: 'other', data: {} },
        { name: 'other', data: {} },
      ])
      .then(
        () => 'resolved',
        (error: unknown) => error,
      );
    finish();
    await expect.poll(() => outcomeErrors.length, { timeout: 30_000 }).toBeGreaterThan(0);
    // The first failed attempt already says whether the write is retried or given up.
    expect(outcomeErrors[0]?.error, outcomeErrors[0]?.error.message).toBeInstanceOf(
      ConnectionError,
    );
    expect(outcomeErrors[0]?.error.message).toMatch(
      new RegExp(
        `^could not record the outcome of job ${job._id.toHexString()} \\(retrying in \\d+ ms ` +
          'while the job stays claimed\\): connect ECONNREFUSED',
      ),
    );

    emulator = await MongoEmulator.start({ port, replicaSet: 'rs0' });
    await expect.poll(() => completed, { timeout: 30_000 }).toBe(1);
    expect(failed).toEqual([]);
    expect(executions).toBe(1);
    expect(outcomeErrors.every(({ error }) => error instanceof ConnectionError)).toBe(true);
    expect(await monque.collection.findOne({ _id: job._id })).toMatchObject({
      status: 'completed',
      claimedBy: null,
    });
    // The insert of `enqueueMany` failed the same way: a ConnectionError, not a DatabaseError.
    expect(enqueueDuringOutage).toBeInstanceOf(ConnectionError);
    expect(await monque.collection.countDocuments({ name: 'other' })).toBe(0);
  }, 120_000);
});
