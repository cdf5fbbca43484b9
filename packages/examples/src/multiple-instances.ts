/**
 * Multiple instances: three schedulers (as in three processes, each with its own client) share
 * one collection; every job is claimed atomically by exactly one of them.
 */
import { Monque } from '@monque/core';
import { MongoClient } from 'mongodb';
import { openExampleDatabase } from './database.js';

type Jobs = { 'resize-image': { n: number } };
const JOBS = 60;

const { db, uri, close } = await openExampleDatabase('multiple_instances');
const clients = await Promise.all([0, 1, 2].map(() => new MongoClient(uri).connect()));
const runs = new Map<number, string[]>();
const instances: Monque<Jobs>[] = [];
let completed = 0;

const allDone = new Promise<void>((resolve) => {
  clients.forEach((client, index) => {
    const instance = `instance-${index + 1}`;
    const monque = new Monque<Jobs>(client.db(db.databaseName), { schedulerInstanceId: instance });
    monque.worker('resize-image', async (job) => {
      runs.set(job.data.n, [...(runs.get(job.data.n) ?? []), instance]);
    });
    monque.on('job:complete', () => {
      completed++;
      if (completed === JOBS) resolve();
    });
    instances.push(monque);
  });
});

await Promise.all(instances.map((monque) => monque.start()));
for (let n = 0; n < JOBS; n++) await instances[0]?.enqueue('resize-image', { n });
await allDone;
await Promise.all(instances.map((monque) => monque.stop()));

const perInstance = new Map<string, number>();
for (const owners of runs.values()) {
  for (const owner of owners) perInstance.set(owner, (perInstance.get(owner) ?? 0) + 1);
}
const duplicates = [...runs.values()].filter((owners) => owners.length > 1).length;
console.log(`jobs: ${JOBS}, processed: ${runs.size}, run twice: ${duplicates}`);
for (const [owner, count] of [...perInstance].sort()) console.log(`  ${owner}: ${count} jobs`);
await Promise.all(clients.map((client) => client.close()));
await close();
