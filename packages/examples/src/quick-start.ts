/**
 * Quick start: register a worker, start the scheduler, enqueue a job, see it done, stop.
 * Run: `node dist/quick-start.mjs` (uses MONGODB_URI when set, else the embedded emulator).
 */
import { Monque } from '@monque/core';
import { openExampleDatabase } from './database.js';

type Jobs = { 'send-email': { to: string } };

const { db, close } = await openExampleDatabase('quick_start');
const monque = new Monque<Jobs>(db);

monque.worker('send-email', async (job) => {
  console.log(`sending email to ${job.data.to}`);
});

const completed = new Promise<void>((resolve) => {
  monque.once('job:complete', ({ job, duration }) => {
    console.log(`job ${job.name} completed in ${duration} ms`);
    resolve();
  });
});

await monque.start();
const { job } = await monque.enqueue('send-email', { to: 'ada@example.com' });
console.log(`enqueued ${job.name} with id ${job._id.toHexString()}`);
await completed;
await monque.stop();
await close();
