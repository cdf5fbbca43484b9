import { Monque } from '@monque/core';
import type { MongoClient } from 'mongodb';
import { FLOW_GROUPS, flowOptionsFor } from '../settings.js';
import { databaseHooks } from './mongo-database.js';
import { monqueManagement } from './monque-management.js';
import type { BenchHandler, BenchJobData, LibraryInstance, RunInstanceConfig } from './types.js';

/**
 * Monque with its defaults (change stream, backup poll 10 s, heartbeat 10 s); worker concurrency
 * is the tested concurrency. Its own indexes are created by `initialize()`, before any timer.
 */
export function createMonque(client: MongoClient, config: RunInstanceConfig): LibraryInstance {
  const db = client.db(config.runId);
  const monque = new Monque<Record<string, BenchJobData>>(db);
  let errors = 0;
  const countError = (): void => {
    errors += 1;
  };
  monque.on('job:error', countError);
  monque.on('job:fail', countError);
  const listening = new Promise<void>((resolve) => {
    monque.once('changestream:connected', () => resolve());
    monque.once('changestream:fallback', () => resolve());
  });
  return {
    settings: {
      notify: 'change stream',
      concurrency: config.concurrency,
      other:
        config.flow === 'priorities'
          ? 'defaults; priorities 0–9'
          : config.flow === 'groups'
            ? `defaults; ${FLOW_GROUPS} groups, groupConcurrency 1`
            : 'defaults',
    },
    setup: () => monque.initialize(),
    async enqueue(name, data) {
      await monque.enqueue(name, data);
    },
    async enqueueMany(name, jobs) {
      await monque.enqueueMany(jobs.map((data) => ({ name, data })));
    },
    async seed(name, jobs) {
      // Due jobs that arrived over the last jobs.length milliseconds, oldest first.
      const base = Date.now() - jobs.length;
      for (let start = 0; start < jobs.length; start += 1000) {
        await monque.enqueueMany(
          jobs.slice(start, start + 1000).map((data, index) => ({
            name,
            data,
            options: {
              runAt: new Date(base + start + index),
              ...flowOptionsFor(config.flow, data.seq),
            },
          })),
        );
      }
    },
    async start(handler: BenchHandler, onComplete) {
      monque.on('job:complete', () => onComplete());
      for (const name of config.names) {
        monque.worker(name, (job) => handler(name, job.data), {
          concurrency: config.concurrency,
          ...(config.flow === 'groups' ? { groupConcurrency: 1 } : {}),
        });
      }
      await monque.start();
    },
    listening: () => listening,
    stop: () => monque.stop(),
    management: monqueManagement(monque),
    ...databaseHooks(db),
    get errors() {
      return errors;
    },
  };
}
