import { Monque, type MonqueOptions } from '@monque/core';
import type { Collection, Document } from 'mongodb';
import type { BenchJobData, BenchQueue, JobHooks, QueueConfig } from './types.js';
import { withoutChangeStreams } from './without-change-streams.js';

/** `enqueueMany`, if this version of Monque has it (called as `enqueueMany([{ name, data }])`). */
interface BulkEnqueue {
  enqueueMany(jobs: readonly { name: string; data: unknown }[]): Promise<unknown>;
}

function hasEnqueueMany(value: object): value is BulkEnqueue {
  return typeof (value as Partial<BulkEnqueue>).enqueueMany === 'function';
}

/** Whether the installed Monque has `enqueueMany`. */
export function monqueHasEnqueueMany(): boolean {
  return typeof (Monque.prototype as Partial<BulkEnqueue>).enqueueMany === 'function';
}

/**
 * Monque with its defaults; in polling mode the change stream is withheld (as on a standalone
 * server) and `pollInterval` is the given interval.
 */
export function createMonqueQueue(config: QueueConfig): BenchQueue {
  const polling = config.notify === 'polling';
  const options: MonqueOptions = {};
  if (polling && config.pollIntervalMs !== undefined) {
    options.pollInterval = config.pollIntervalMs;
  }
  const monque = new Monque(polling ? withoutChangeStreams(config.db) : config.db, options);
  let errors = 0;
  monque.on('job:error', () => {
    errors += 1;
  });
  const listening = new Promise<void>((resolve) => {
    monque.once(polling ? 'changestream:fallback' : 'changestream:connected', () => resolve());
  });
  const bulk = hasEnqueueMany(monque) ? monque : undefined;
  return {
    library: 'monque',
    collection: monque.collection as unknown as Collection<Document>,
    settings: {
      notify: polling ? 'polling (change stream withheld)' : 'change stream',
      ...(polling ? { pollInterval: config.pollIntervalMs ?? 1000 } : {}),
      concurrency: config.concurrency,
      other: 'defaults',
    },
    async enqueue(name, seq) {
      await monque.enqueue(name, { seq } satisfies BenchJobData);
    },
    enqueueMany:
      bulk === undefined
        ? undefined
        : async (name, seqs) => {
            await bulk.enqueueMany(seqs.map((seq) => ({ name, data: { seq } })));
          },
    async start(hooks: JobHooks) {
      monque.on('job:complete', () => hooks.onComplete?.());
      for (const name of config.names) {
        monque.worker(
          name,
          (job) => {
            hooks.onStart?.((job.data as BenchJobData).seq, name);
          },
          { concurrency: config.concurrency },
        );
      }
      await monque.start();
    },
    listening: () => listening,
    stop: () => monque.stop(),
    get errors() {
      return errors;
    },
  };
}
