// A Monque instance in its own process, driven over stdin, for the browser tests: the dashboard
// must see what another process does to the queue.
//
//   node queue-process.mjs <mongodb uri> <database> <collection>
//
// Commands, one per line: `enqueue <name> <count>`, `progress <id> <percent>` (a running
// `slow-job` reports it), `start`, `stop`. Each is answered with `ok <command>` once done;
// `started <name> <id>`, `settled <name> <id> <status>`, `aborted <name> <id> <reason>` (a
// handler's signal) and `cancelled <name> <id>` follow the jobs.
// Handlers: `quick-job` completes at once; `failing-job` fails for good; `flaky-job` fails its
// first run and completes with a result when run again; `slow-job` runs until its signal aborts
// it.
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
monque.on('job:complete', ({ job }) =>
  say(`settled ${job.name} ${job._id.toHexString()} ${job.status}`),
);
monque.on('job:fail', ({ job }) =>
  say(`settled ${job.name} ${job._id.toHexString()} ${job.status}`),
);
monque.on('job:cancelled', ({ job }) => say(`cancelled ${job.name} ${job._id.toHexString()}`));
monque.on('job:error', ({ error }) => say(`error ${error.message}`));

monque.worker('quick-job', async () => {});
monque.worker('failing-job', async () => {
  throw new Error('payment gateway answered <b>"no"</b>');
});
monque.worker('flaky-job', async (job) => {
  if (job.lastFailure === undefined) throw new Error('card declined, try again');
  return { charged: job.data.index };
});
/** The progress functions of the running `slow-job`s, by job id. */
const reporters = new Map();
monque.worker(
  'slow-job',
  (job, { signal, progress }) =>
    new Promise((_resolve, reject) => {
      const id = job._id.toHexString();
      reporters.set(id, progress);
      signal.addEventListener(
        'abort',
        () => {
          reporters.delete(id);
          say(`aborted ${job.name} ${id} ${signal.reason?.name}`);
          reject(signal.reason);
        },
        { once: true },
      );
    }),
);

for await (const line of createInterface({ input: process.stdin })) {
  const [command, name, count] = line.trim().split(/\s+/);
  if (command === 'enqueue') {
    for (let index = 0; index < Number(count); index++) {
      await monque.enqueue(name, { index });
    }
  } else if (command === 'progress') {
    reporters.get(name)?.(Number(count));
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
