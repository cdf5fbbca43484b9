/**
 * Multiple instances: three schedulers (as in three processes, each with its own client) share
 * one collection; every job is claimed atomically by exactly one of them. Each run is recorded in
 * a `runs` collection, and the summary is read from there.
 */
import { Monque } from '@monque/core';
import { MongoClient } from 'mongodb';
import { openExampleDatabase } from './database.js';

type Jobs = { 'resize-image': { n: number } };
const JOBS = 60;

const { db, uri, close } = await openExampleDatabase('multiple_instances');
const runs = db.collection<{ n: number; instance: string }>('runs');
await runs.drop();
const clients = await Promise.all([0, 1, 2].map(() => new MongoClient(uri).connect()));
const instances: Monque<Jobs>[] = [];
let completed = 0;

const allDone = new Promise<void>((resolve) => {
  clients.forEach((client, index) => {
    const instance = `instance-${index + 1}`;
    const monque = new Monque<Jobs>(client.db(db.databaseName), { schedulerInstanceId: instance });
    monque.worker('resize-image', async (job) => {
      await runs.insertOne({ n: job.data.n, instance });
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

const perJob = await runs
  .aggregate<{ _id: number; count: number }>([{ $group: { _id: '$n', count: { $sum: 1 } } }])
  .toArray();
const perInstance = await runs
  .aggregate<{ _id: string; count: number }>([
    { $group: { _id: '$instance', count: { $sum: 1 } } },
    { $sort: { _id: 1 } },
  ])
  .toArray();
const duplicates = perJob.filter((job) => job.count > 1).length;
console.log(`jobs: ${JOBS}, processed: ${perJob.length}, run twice: ${duplicates}`);
for (const { _id, count } of perInstance) console.log(`  ${_id}: ${count} jobs`);
await Promise.all(clients.map((client) => client.close()));
await close();
