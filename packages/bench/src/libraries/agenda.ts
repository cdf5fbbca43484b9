import { MongoBackend, MongoChangeStreamNotificationChannel } from '@agendajs/mongo-backend';
import { Agenda, type AgendaOptions, type Job } from 'agenda';
import { type Document, type MongoClient, ObjectId } from 'mongodb';
import { databaseHooks } from './mongo-database.js';
import { AGENDA_PROCESS_EVERY_MS, agendaLockLimit } from './tuning.js';
import type { BenchHandler, BenchJobData, LibraryInstance, RunInstanceConfig } from './types.js';

/** Agenda's jobs collection (its default name). */
const AGENDA_COLLECTION = 'agendaJobs';

/**
 * Agenda 6 with the MongoDB backend. For a standing queue (`throughput`): `processEvery` 100 ms
 * and lock limits that keep every slot busy; for new jobs at idle (`latency`): its own
 * `MongoChangeStreamNotificationChannel` with the default `processEvery` of 5 s. Its index is
 * created by `agenda.ready`, before any timer.
 */
export function createAgenda(client: MongoClient, config: RunInstanceConfig): LibraryInstance {
  const db = client.db(config.runId);
  const changeStream = config.mode === 'latency';
  const processEvery = changeStream ? 5000 : AGENDA_PROCESS_EVERY_MS;
  const lockLimit = agendaLockLimit(config.concurrency);
  const maxConcurrency = config.concurrency * config.names.length;
  const options: AgendaOptions = {
    backend: new MongoBackend({ mongo: db, collection: AGENDA_COLLECTION }),
    processEvery,
    maxConcurrency,
    defaultConcurrency: config.concurrency,
    defaultLockLimit: lockLimit,
    lockLimit: 0,
  };
  if (changeStream) {
    options.notificationChannel = new MongoChangeStreamNotificationChannel({
      db,
      collection: AGENDA_COLLECTION,
    });
  }
  const agenda = new Agenda(options);
  let errors = 0;
  agenda.on('error', () => {
    errors += 1;
  });
  agenda.on('fail', () => {
    errors += 1;
  });
  const collection = db.collection<Document>(AGENDA_COLLECTION);
  return {
    settings: {
      notify: changeStream ? 'MongoChangeStreamNotificationChannel' : 'polling',
      processEvery,
      maxConcurrency,
      defaultConcurrency: config.concurrency,
      defaultLockLimit: lockLimit,
      lockLimit: '0 (unlimited)',
    },
    async setup() {
      await agenda.ready;
    },
    async enqueue(name, data) {
      await agenda.now(name, data);
    },
    enqueueMany: undefined,
    async seed(name, jobs) {
      // Agenda has no bulk insert: one job through now(), then copies of the document it wrote
      // with distinct nextRunAt values 1 ms apart in the past, oldest first (a queue that built
      // up over time; equal values would make every lock sort a tie group).
      const [first, ...rest] = jobs;
      if (first === undefined) {
        return;
      }
      await agenda.now(name, first);
      const template = await collection.findOne({ name, 'data.seq': first.seq });
      if (template === null) {
        throw new Error('seeding: the job Agenda wrote was not found');
      }
      const base = Date.now() - jobs.length;
      await collection.updateOne({ _id: template._id }, { $set: { nextRunAt: new Date(base) } });
      for (let start = 0; start < rest.length; start += 1000) {
        const documents = rest.slice(start, start + 1000).map((data, index) => ({
          ...template,
          _id: new ObjectId(),
          data,
          nextRunAt: new Date(base + 1 + start + index),
        }));
        await collection.insertMany(documents, { ordered: false });
      }
    },
    async start(handler: BenchHandler, onComplete) {
      agenda.on('complete', () => onComplete());
      for (const name of config.names) {
        agenda.define(name, async (job: Job<BenchJobData>) => {
          await handler(name, job.attrs.data);
        });
      }
      await agenda.start();
    },
    listening: () => Promise.resolve(),
    stop: () => agenda.stop(),
    ...databaseHooks(db),
    get errors() {
      return errors;
    },
  };
}
