import { MongoEmulator } from '@monque/mongo-emulator';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../../src/jobs/job.js';
import { Monque } from '../../../src/monque.js';
import { waitForJob } from '../../../src/testing/wait-for-job.js';
import { waitUntil } from '../../../src/testing/wait-until.js';
import { FAST_OPTIONS } from '../../setup/scheduler-harness.js';

/**
 * Retention is done by MongoDB's TTL monitor, so these tests run on an emulator of their own whose
 * monitor runs every 50 ms (mongod's runs every 60 s), whatever server the other tests use.
 */
describe('retention: finished jobs are deleted by the TTL index', () => {
  let server: MongoEmulator;
  let client: MongoClient;
  const instances: Monque[] = [];
  let collections = 0;

  beforeAll(async () => {
    server = await MongoEmulator.start({ port: 0, replicaSet: 'rs0', ttlMonitorIntervalMs: 50 });
    client = await new MongoClient(server.uri).connect();
  });
  afterAll(async () => {
    await Promise.all(instances.map((monque) => monque.stop()));
    await client.close();
    await server.stop();
  });

  function create(options: ConstructorParameters<typeof Monque>[1] = {}): Monque {
    collections += 1;
    const monque = new Monque(client.db('retention'), {
      ...FAST_OPTIONS,
      collectionName: `jobs_${collections}`,
      ...options,
    });
    instances.push(monque);
    return monque;
  }

  it('creates a sparse TTL index on expireAt', async () => {
    const monque = create();
    await monque.initialize();
    const indexes = await monque.collection.listIndexes().toArray();
    expect(indexes.find(({ name }) => name === 'monque_expire')).toMatchObject({
      key: { expireAt: 1 },
      expireAfterSeconds: 0,
      sparse: true,
    });
  });

  it('deletes completed jobs after their retention, and never the recurring job', async () => {
    const monque = create({ retention: { completed: 200 }, maxRetries: 1 });
    monque.worker('once', async () => 'done');
    monque.worker('tick', async () => 'tick');
    monque.worker('broken', async () => {
      throw new Error('always fails');
    });
    const completed: Job[] = [];
    monque.on('job:complete', ({ job }) => {
      if (job.name === 'once') completed.push(job);
    });
    const recurring = await monque.schedule('* * * * * *', 'tick', null);
    await monque.start();
    await monque.enqueueMany([1, 2, 3].map(() => ({ name: 'once', data: null })));
    const { job: failing } = await monque.enqueue('broken', null);
    // The jobs as their completion wrote them (they may be gone by the time a read comes).
    await waitUntil(
      monque,
      async () => (completed.length === 3 ? { state: 'done', value: 3 } : { state: 'waiting' }),
      () => new Error('the jobs did not complete'),
      {},
    );
    for (const done of completed) {
      expect(Number(done.expireAt) - Number(done.updatedAt)).toBe(200);
    }
    await waitUntil(
      monque,
      async () => {
        const left = await monque.collection.countDocuments({ name: 'once' });
        return left === 0 ? { state: 'done', value: left } : { state: 'waiting' };
      },
      () => new Error('the completed jobs were not deleted'),
      { timeout: 10_000 },
    );
    // The recurring job ran (its outcome writes went through the same code) and stays.
    const tick = await waitUntil(
      monque,
      async () => {
        const job = await monque.getJob(recurring._id);
        return (job?.history?.length ?? 0) > 0
          ? { state: 'done', value: job }
          : { state: 'waiting' };
      },
      () => new Error('the recurring job did not run'),
      { timeout: 5000 },
    );
    expect(tick).toMatchObject({ status: expect.stringMatching(/pending|processing/) });
    expect(tick).not.toHaveProperty('expireAt');
    // A failed job is kept for the default 30 days.
    const failed = await waitForJob(monque, failing._id, 'failed');
    expect(Number(failed.expireAt) - Number(failed.updatedAt)).toBe(30 * 24 * 60 * 60 * 1000);
  }, 30_000);

  it('deletes a job at its expireAt, not before', async () => {
    const monque = create({ retention: { completed: 60 * 60 * 1000 } });
    monque.worker('once', async () => {});
    await monque.start();
    const { job } = await monque.enqueue('once', null);
    const done = await waitForJob(monque, job._id, 'completed');
    const expireAt = done.expireAt as Date;
    // The TTL monitor's pass at a given time, as the server runs it every interval.
    expect(server.engine.reapExpired(new Date(expireAt.getTime() - 1))).toBe(0);
    expect(await monque.getJob(job._id)).not.toBeNull();
    expect(server.engine.reapExpired(expireAt)).toBe(1);
    expect(await monque.getJob(job._id)).toBeNull();
  });
});
