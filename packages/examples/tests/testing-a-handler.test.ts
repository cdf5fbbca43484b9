/**
 * Example: testing a job handler with `@monque/core/testing`. The database is MONGODB_URI when set,
 * else the in-process emulator (`@monque/mongo-emulator`, a dev dependency).
 */
import { Monque } from '@monque/core';
import { startTestMongo, type TestMongo, waitForIdle, waitForJob } from '@monque/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

type Jobs = { 'charge-order': { orderId: string; amount: number } };

// The handler under test: charges an order, refusing non-positive amounts.
const charged: string[] = [];
async function chargeOrder(order: Jobs['charge-order']): Promise<void> {
  if (order.amount <= 0) throw new Error(`invalid amount ${order.amount}`);
  charged.push(order.orderId);
}

describe('charge-order handler', () => {
  let mongo: TestMongo;
  let monque: Monque<Jobs>;

  beforeAll(async () => {
    mongo = await startTestMongo();
    monque = new Monque<Jobs>(mongo.db, { maxRetries: 1 });
    monque.worker('charge-order', (job) => chargeOrder(job.data));
    await monque.start();
  });

  afterAll(async () => {
    await monque.stop();
    await mongo.stop();
  });

  it('completes a valid order', async () => {
    const { job } = await monque.enqueue('charge-order', { orderId: 'o-1', amount: 42 });
    const done = await waitForJob(monque, job._id, 'completed', { timeout: 5000 });
    expect(done.status).toBe('completed');
    expect(charged).toContain('o-1');
  });

  it('fails an invalid order with the reason', async () => {
    const { job } = await monque.enqueue('charge-order', { orderId: 'o-2', amount: 0 });
    const failed = await waitForJob(monque, job._id, 'failed', { timeout: 5000 });
    expect(failed.failReason).toBe('invalid amount 0');
    await waitForIdle(monque, { timeout: 5000 });
    expect(charged).not.toContain('o-2');
  });
});
