/**
 * Retries: a failing handler is retried with exponential backoff (`2^failCount × base`), and a job
 * that keeps failing ends `failed` after `maxRetries` failures.
 */
import { Monque } from '@monque/core';
import { openExampleDatabase } from './database.js';

type Jobs = { 'flaky-call': { succeedOnAttempt: number }; 'broken-call': null };

const { db, close } = await openExampleDatabase('retries');
const monque = new Monque<Jobs>(db, { baseRetryInterval: 100, maxRetries: 3 });

let attempts = 0;
monque.worker('flaky-call', async (job) => {
  attempts++;
  if (attempts < job.data.succeedOnAttempt) throw new Error(`upstream unavailable (${attempts})`);
});
monque.worker('broken-call', async () => {
  throw new Error('this never works');
});

monque.on('job:fail', ({ job, error, willRetry }) => {
  const wait = job.nextRunAt.getTime() - Date.now();
  console.log(
    willRetry
      ? `${job.name} failed (${error.message}); failCount ${job.failCount}, next try in ~${Math.max(0, Math.round(wait / 100) * 100)} ms`
      : `${job.name} failed for good after ${job.failCount} failures: ${error.message}`,
  );
});

const finished = new Promise<void>((resolve) => {
  let left = 2;
  const settle = (): void => {
    left--;
    if (left === 0) resolve();
  };
  monque.on('job:complete', ({ job }) => {
    console.log(`${job.name} completed on attempt ${attempts}`);
    settle();
  });
  monque.on('job:fail', ({ willRetry }) => {
    if (!willRetry) settle();
  });
});

await monque.start();
await monque.now('flaky-call', { succeedOnAttempt: 3 });
await monque.now('broken-call', null);
await finished;
const failed = await monque.collection.countDocuments({ status: 'failed' });
console.log(`jobs in status failed: ${failed}`);
await monque.stop();
await close();
