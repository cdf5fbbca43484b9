/**
 * Unique keys: while a job with the same name and key is pending or processing, enqueueing it
 * again returns that job. Once it has finished, the key is free again.
 */
import { Monque } from '@monque/core';
import { waitForJob } from '@monque/core/testing';
import { openExampleDatabase } from './database.js';

type Jobs = { 'sync-account': { accountId: string } };

const { db, close } = await openExampleDatabase('unique_keys');
const monque = new Monque<Jobs>(db);
monque.worker('sync-account', async (job) => {
  console.log(`syncing account ${job.data.accountId}`);
});

const { job: first } = await monque.enqueue(
  'sync-account',
  { accountId: 'a1' },
  { uniqueKey: 'account-a1' },
);
const again = await Promise.all(
  Array.from({ length: 5 }, () =>
    monque.enqueue('sync-account', { accountId: 'a1' }, { uniqueKey: 'account-a1' }),
  ),
);
const sameJob = again.every(({ job, created }) => !created && job._id.equals(first._id));
console.log(`6 enqueues with one key while pending → one job: ${sameJob}`);

await monque.start();
await waitForJob(monque, first._id, 'completed', { timeout: 10_000 });
const { job: next, created } = await monque.enqueue(
  'sync-account',
  { accountId: 'a1' },
  { uniqueKey: 'account-a1' },
);
console.log(
  `after completion the key is free → new job: ${created && !next._id.equals(first._id)}`,
);
await waitForJob(monque, next._id, 'completed', { timeout: 10_000 });
await monque.stop();
await close();
