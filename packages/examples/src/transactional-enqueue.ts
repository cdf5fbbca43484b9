/**
 * Enqueue in a transaction: an order and its invoice job are written together, in one MongoDB
 * transaction. The worker sees the job only once the order is committed, never for an order that
 * was rolled back. An order placed twice at once gets one invoice job: the transaction that loses
 * the race is run again by `withTransaction`, finds the order written and adds no job (a
 * `uniqueKey` only dedupes against an active job; once the first invoice job has completed, its key
 * is free again).
 */
import { Monque } from '@monque/core';
import { waitForJob } from '@monque/core/testing';
import type { MongoClient } from 'mongodb';
import { openExampleDatabase } from './database.js';

type Jobs = { 'send-invoice': { orderId: number } };
interface Order {
  _id: number;
  total: number;
}

const { db, close } = await openExampleDatabase('transactional_enqueue');
const client: MongoClient = db.client;
const orders = db.collection<Order>('orders');
const monque = new Monque<Jobs>(db);

monque.worker('send-invoice', async (job) => {
  const order = await orders.findOne({ _id: job.data.orderId });
  // Never happens: the job exists only once its order does.
  if (order === null) throw new Error(`order ${job.data.orderId} does not exist`);
  console.log(`invoicing order ${order._id} (total ${order.total})`);
});
// Creates the indexes now, outside any transaction.
await monque.initialize();
await monque.start();

/** Writes the order and its invoice job in one transaction; `check` may refuse the order. */
async function placeOrder(order: Order, check: () => void = () => {}) {
  return client.withSession((session) =>
    session.withTransaction(async () => {
      // An upsert: placing the same order twice writes it once, and only that write adds the job.
      const written = await orders.updateOne(
        { _id: order._id },
        { $setOnInsert: { total: order.total } },
        { upsert: true, session },
      );
      if (written.upsertedCount === 0) return undefined;
      const result = await monque.enqueue(
        'send-invoice',
        { orderId: order._id },
        { uniqueKey: `invoice-${order._id}`, session },
      );
      check();
      return result;
    }),
  );
}

const first = await placeOrder({ _id: 1, total: 42 });
if (first === undefined) throw new Error('order 1 existed already');
console.log(`order 1 committed with invoice job ${first.job._id.toHexString()}`);
await waitForJob(monque, first.job._id, 'completed', { timeout: 10_000 });

const declined = await placeOrder({ _id: 2, total: 99 }, () => {
  throw new Error('payment declined');
}).catch((error: unknown) => (error as Error).message);
const jobsOfOrder2 = await monque.collection.countDocuments({ 'data.orderId': 2 });
console.log(
  `order 2 rolled back (${declined}): orders ${await orders.countDocuments({ _id: 2 })}, invoice jobs ${jobsOfOrder2}`,
);

const placed = await Promise.all([
  placeOrder({ _id: 3, total: 7 }),
  placeOrder({ _id: 3, total: 7 }),
]);
const invoices = placed.filter((result) => result !== undefined);
console.log(`order 3 placed twice at once → invoice jobs added: ${invoices.length}`);
for (const { job } of invoices) {
  await waitForJob(monque, job._id, 'completed', { timeout: 10_000 });
}

await monque.stop();
await close();
