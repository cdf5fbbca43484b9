import { MongoBackend, MongoChangeStreamNotificationChannel } from '@agendajs/mongo-backend';
import { Agenda, type AgendaOptions, type Job } from 'agenda';
import type { Collection, Document } from 'mongodb';
import { AGENDA_PROCESS_EVERY_MS, agendaLockLimit } from '../settings.js';
import type { BenchJobData, BenchQueue, JobHooks, QueueConfig } from './types.js';

/** Agenda's jobs collection (its default name). */
export const AGENDA_COLLECTION = 'agendaJobs';

/**
 * Agenda 6 with the MongoDB backend, tuned for throughput: `processEvery` small, lock limits high
 * enough to keep every slot busy, `defaultConcurrency` = the tested concurrency. In change-stream
 * mode it gets Agenda's own `MongoChangeStreamNotificationChannel` (and its default
 * `processEvery` of 5 s, as the notifications do the work).
 */
export async function createAgendaQueue(config: QueueConfig): Promise<BenchQueue> {
  const changeStream = config.notify === 'change-stream';
  const processEvery = config.pollIntervalMs ?? (changeStream ? 5000 : AGENDA_PROCESS_EVERY_MS);
  const lockLimit = agendaLockLimit(config.concurrency);
  const maxConcurrency = config.concurrency * config.names.length;
  const options: AgendaOptions = {
    backend: new MongoBackend({ mongo: config.db, collection: AGENDA_COLLECTION }),
    processEvery,
    maxConcurrency,
    defaultConcurrency: config.concurrency,
    defaultLockLimit: lockLimit,
    lockLimit: 0,
  };
  if (changeStream) {
    options.notificationChannel = new MongoChangeStreamNotificationChannel({
      db: config.db,
      collection: AGENDA_COLLECTION,
    });
  }
  const agenda = new Agenda(options);
  let errors = 0;
  agenda.on('error', () => {
    errors += 1;
  });
  await agenda.ready;
  const collection = config.db.collection<Document>(AGENDA_COLLECTION);
  return {
    library: 'agenda',
    collection: collection as Collection<Document>,
    settings: {
      notify: changeStream ? 'MongoChangeStreamNotificationChannel' : 'polling',
      processEvery,
      maxConcurrency,
      defaultConcurrency: config.concurrency,
      defaultLockLimit: lockLimit,
      lockLimit: '0 (unlimited)',
    },
    async enqueue(name, seq) {
      await agenda.now(name, { seq } satisfies BenchJobData);
    },
    enqueueMany: undefined,
    async start(hooks: JobHooks) {
      agenda.on('complete', () => hooks.onComplete?.());
      for (const name of config.names) {
        agenda.define(name, async (job: Job<BenchJobData>) => {
          hooks.onStart?.(job.attrs.data.seq, name);
        });
      }
      await agenda.start();
    },
    listening: () => Promise.resolve(),
    async stop() {
      await agenda.stop();
    },
    get errors() {
      return errors;
    },
  };
}
