/**
 * Cron: `schedule()` creates one recurring job per name (calling it again updates it, never
 * duplicates it). Expressions take 5 fields, or 6 with seconds first, and an IANA time zone.
 */
import { Monque, parseCron } from '@monque/core';
import { openExampleDatabase } from './database.js';

type Jobs = { tick: null; 'nightly-cleanup': { olderThanDays: number } };

const { db, close } = await openExampleDatabase('cron');
const monque = new Monque<Jobs>(db);

const nightly = parseCron('0 3 * * *', 'Europe/Berlin');
console.log(
  `nightly cleanup next runs at ${nightly.next(new Date()).toISOString()} (03:00 Berlin)`,
);

let ticks = 0;
const threeTicks = new Promise<void>((resolve) => {
  monque.worker('tick', async () => {
    ticks++;
    console.log(`tick ${ticks} at second ${new Date().getUTCSeconds()}`);
    if (ticks === 3) resolve();
  });
});
monque.worker('nightly-cleanup', async (job) => {
  console.log(`cleaning up data older than ${job.data.olderThanDays} days`);
});

await monque.start();
await monque.schedule('* * * * * *', 'tick', null);
await monque.schedule(
  '0 3 * * *',
  'nightly-cleanup',
  { olderThanDays: 30 },
  { timezone: 'Europe/Berlin' },
);
// Scheduling again (for example on every deploy) keeps a single recurring job.
await monque.schedule(
  '0 3 * * *',
  'nightly-cleanup',
  { olderThanDays: 30 },
  { timezone: 'Europe/Berlin' },
);
console.log(
  `recurring cleanup jobs: ${await monque.collection.countDocuments({ name: 'nightly-cleanup' })}`,
);
await threeTicks;
await monque.stop();
await close();
