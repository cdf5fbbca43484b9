// Emulator benchmark (not a test): operations per second for inserts, for findAndModify claims on
// a 100 000-document collection with an index on the filter fields, for Agenda's lock query on
// 10 000 due jobs (distinct and equal nextRunAt: the cost of sort-key ties), and change-stream
// event latency. Run `npm run bench -w @monque/mongo-emulator` after `npm run build`.
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { MongoClient } from 'mongodb';
import { MongoEmulator } from '../dist/index.mjs';

const quick = process.argv.includes('--quick');
const SIZES = quick
  ? { inserts: 1000, batch: 10_000, collection: 10_000, claims: 200, events: 50, locks: 100 }
  : { inserts: 10_000, batch: 100_000, collection: 100_000, claims: 2000, events: 500, locks: 500 };

/** Agenda's job index and lock query (agenda `findAndLockNextJob`): due, unlocked or stale. */
const AGENDA_INDEX = { name: 1, nextRunAt: 1, priority: -1, lockedAt: 1, disabled: 1 };
const AGENDA_JOBS = 10_000;

async function agendaLocks(collection, equalNextRunAt) {
  await collection.createIndex(AGENDA_INDEX, { name: 'findAndLockNextJobIndex' });
  const due = Date.now() - 60_000;
  const seed = Array.from({ length: AGENDA_JOBS }, (_, i) => ({
    name: 'send-email',
    nextRunAt: new Date(equalNextRunAt ? due : due + i),
    priority: 0,
    lockedAt: null,
    disabled: false,
  }));
  for (let i = 0; i < seed.length; i += 5000) await collection.insertMany(seed.slice(i, i + 5000));
  return timed(async () => {
    for (let i = 0; i < SIZES.locks; i++) {
      const now = new Date();
      const locked = await collection.findOneAndUpdate(
        {
          $and: [
            { name: 'send-email', disabled: { $ne: true } },
            {
              $or: [
                { lockedAt: { $eq: null }, nextRunAt: { $lte: now } },
                { lockedAt: { $lte: new Date(now.getTime() - 600_000) } },
              ],
            },
          ],
        },
        { $set: { lockedAt: now } },
        { sort: { nextRunAt: 1, priority: -1 }, returnDocument: 'after' },
      );
      if (!locked) throw new Error('the Agenda lock found nothing');
    }
  });
}

const rate = (count, ms) => Math.round((count / ms) * 1000);
const percentile = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function timed(fn) {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

const server = await MongoEmulator.start({ port: 0, replicaSet: 'rs0' });
const client = await new MongoClient(server.uri).connect();
const db = client.db('bench');
const results = [];

try {
  const one = db.collection('insert_one');
  const insertMs = await timed(async () => {
    for (let i = 0; i < SIZES.inserts; i++) await one.insertOne({ i, name: 'job', data: { n: i } });
  });
  results.push(['insertOne, one at a time', SIZES.inserts, rate(SIZES.inserts, insertMs)]);

  const many = db.collection('insert_many');
  const docs = Array.from({ length: SIZES.batch }, (_, i) => ({ i, name: 'job', data: { n: i } }));
  const manyMs = await timed(async () => {
    for (let i = 0; i < docs.length; i += 1000) await many.insertMany(docs.slice(i, i + 1000));
  });
  results.push([
    'insertMany, batches of 1000 (documents/s)',
    SIZES.batch,
    rate(SIZES.batch, manyMs),
  ]);

  const jobs = db.collection('jobs');
  await jobs.createIndex({ name: 1, status: 1, nextRunAt: 1 });
  const past = Date.now() - 60_000;
  const seed = Array.from({ length: SIZES.collection }, (_, i) => ({
    name: i % 2 === 0 ? 'email' : 'report',
    status: 'pending',
    nextRunAt: new Date(past + i),
  }));
  for (let i = 0; i < seed.length; i += 5000) await jobs.insertMany(seed.slice(i, i + 5000));
  const claimMs = await timed(async () => {
    for (let i = 0; i < SIZES.claims; i++) {
      const claimed = await jobs.findOneAndUpdate(
        { name: 'email', status: 'pending', nextRunAt: { $lte: new Date() } },
        { $set: { status: 'processing', lockedAt: new Date() } },
        { sort: { nextRunAt: 1 }, returnDocument: 'after' },
      );
      if (!claimed) throw new Error('claim found nothing');
    }
  });
  results.push([
    `findAndModify claim on ${SIZES.collection.toLocaleString('en')} documents`,
    SIZES.claims,
    rate(SIZES.claims, claimMs),
  ]);

  const distinctMs = await agendaLocks(db.collection('agenda_distinct'), false);
  const equalMs = await agendaLocks(db.collection('agenda_equal'), true);
  results.push([
    `Agenda lock on ${AGENDA_JOBS.toLocaleString('en')} due jobs, distinct nextRunAt`,
    SIZES.locks,
    rate(SIZES.locks, distinctMs),
  ]);
  results.push([
    `Agenda lock on ${AGENDA_JOBS.toLocaleString('en')} due jobs, equal nextRunAt`,
    SIZES.locks,
    rate(SIZES.locks, equalMs),
  ]);
  const lockCostRatio = (equalMs / distinctMs).toFixed(2);

  const events = db.collection('events');
  const stream = events.watch([{ $match: { operationType: 'insert' } }]);
  await stream.tryNext();
  const latencies = [];
  for (let i = 0; i < SIZES.events; i++) {
    const start = performance.now();
    await events.insertOne({ i });
    const change = await stream.next();
    if (change.operationType !== 'insert') throw new Error('unexpected event');
    latencies.push(performance.now() - start);
  }
  await stream.close();
  latencies.sort((a, b) => a - b);
  const latency = {
    p50: percentile(latencies, 50).toFixed(2),
    p95: percentile(latencies, 95).toFixed(2),
    p99: percentile(latencies, 99).toFixed(2),
  };

  console.log(
    `mongo-emulator benchmark${quick ? ' (quick)' : ''} — Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}`,
  );
  console.log('| operation | count | ops/s |');
  console.log('| --- | ---: | ---: |');
  for (const [name, count, perSecond] of results)
    console.log(`| ${name} | ${count} | ${perSecond} |`);
  console.log(
    `| change stream: insert → event received, ms (p50 / p95 / p99) | ${SIZES.events} | ${latency.p50} / ${latency.p95} / ${latency.p99} |`,
  );
  console.log(
    `\nAgenda lock, equal nextRunAt costs ${lockCostRatio}× the distinct case (time per lock).`,
  );
} finally {
  await client.close();
  await server.stop();
}
