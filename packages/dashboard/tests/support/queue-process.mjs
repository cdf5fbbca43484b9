// A Monque instance in its own process, driven over stdin, for the browser tests: the dashboard
// must see what another process does to the queue.
//
//   node queue-process.mjs <mongodb uri> <database> <collection>
//
// Commands, one per line: `enqueue <name> <count>`, `start`, `stop`. Each is answered with
// `ok <command>` once done; `started <name> <id>` and `settled <name> <id>` follow the jobs.
// Handlers: `quick-job` completes at once, `failing-job` fails for good, `slow-job` runs until
// its signal aborts it.
import { createInterface } from 'node:readline';
import { Monque } from '@monque/core';
import { MongoClient } from 'mongodb';

const [uri, dbName, collectionName] = process.argv.slice(2);
const client = await new MongoClient(uri).connect();
const monque = new Monque(client.db(dbName), {
  collectionName,
  maxRetries: 1,
  pollInterval: 200,
  heartbeatInterval: 500,
  shutdownTimeout: 1000,
});
const say = (line) => process.stdout.write(`${line}\n`);

monque.on('job:start', (job) => say(`started ${job.name} ${job._id.toHexString()}`));
monque.on('job:complete', ({ job }) => say(`settled ${job.name} ${job._id.toHexString()}`));
monque.on('job:fail', ({ job }) => say(`settled ${job.name} ${job._id.toHexString()}`));
monque.on('job:error', ({ error }) => say(`error ${error.message}`));

monque.worker('quick-job', async () => {});
monque.worker('failing-job', async () => {
  throw new Error('payment gateway answered <b>"no"</b>');
});
monque.worker(
  'slow-job',
  (_job, { signal }) =>
    new Promise((_resolve, reject) => {
      signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
    }),
);

for await (const line of createInterface({ input: process.stdin })) {
  const [command, name, count] = line.trim().split(/\s+/);
  if (command === 'enqueue') {
    for (let index = 0; index < Number(count); index++) {
      await monque.enqueue(name, { index });
    }
  } else if (command === 'start') {
    await monque.start();
  } else if (command === 'stop') {
    await monque.stop();
    await client.close();
    say('ok stop');
    break;
  }
  say(`ok ${line.trim()}`);
}
// The loop ended on `stop`: let go of stdin so the process can end.
process.stdin.destroy();
