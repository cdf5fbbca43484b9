import { databaseName, withDatabase } from '../database.js';
import { createQueue, libraryLabel } from '../libraries/create-queue.js';
import { JOB_NAME, LIBRARIES, type LibraryName } from '../libraries/types.js';
import { progress } from '../progress.js';
import type { ScenarioContext } from './context.js';

/** Calls of a bulk enqueue carry this many jobs. */
export const BULK_CALL_SIZE = 1000;

/** One way of adding jobs, measured. */
export interface EnqueueRun {
  readonly library: LibraryName;
  readonly method: 'one-by-one' | 'bulk';
  readonly jobs: number;
  /** Undefined when the library has no such API (see `unavailable`). */
  readonly seconds?: number;
  readonly jobsPerSecond?: number;
  /** Mean time of one call (one-by-one) in ms. */
  readonly meanCallMs?: number;
  readonly unavailable?: string;
}

export interface EnqueueResult {
  readonly runs: readonly EnqueueRun[];
  readonly bulkCallSize: number;
}

const BULK_MISSING: Record<LibraryName, string> = {
  monque: 'missing: @monque/core has no enqueueMany(jobs) yet',
  agenda: 'none: Agenda 6 has no bulk insert (only now()/create().save() one by one)',
};

/** Scenario 1: adding jobs one by one (the public API), and in bulk where there is one. */
export async function runEnqueue(context: ScenarioContext): Promise<EnqueueResult> {
  const jobs = context.settings.enqueue.jobs;
  const runs: EnqueueRun[] = [];
  for (const library of LIBRARIES) {
    await withDatabase(context.uri, databaseName('enqueue', library), async (db) => {
      const queue = await createQueue(library, {
        db,
        names: [JOB_NAME],
        concurrency: 1,
        notify: 'change-stream',
      });
      // Warm up: connections, indexes, JIT. Not counted.
      for (let seq = 0; seq < 20; seq += 1) {
        await queue.enqueue(JOB_NAME, -1 - seq);
      }
      await queue.collection.deleteMany({});
      const startedAt = performance.now();
      for (let seq = 0; seq < jobs; seq += 1) {
        await queue.enqueue(JOB_NAME, seq);
      }
      const seconds = (performance.now() - startedAt) / 1000;
      runs.push({
        library,
        method: 'one-by-one',
        jobs,
        seconds,
        jobsPerSecond: jobs / seconds,
        meanCallMs: (seconds * 1000) / jobs,
      });
      progress(
        'enqueue',
        `${libraryLabel(library)} one by one: ${Math.round(jobs / seconds)} jobs/s`,
      );
      const bulk = queue.enqueueMany;
      if (bulk === undefined) {
        runs.push({ library, method: 'bulk', jobs, unavailable: BULK_MISSING[library] });
        progress('enqueue', `${libraryLabel(library)} bulk: ${BULK_MISSING[library]}`);
        return;
      }
      await queue.collection.deleteMany({});
      const bulkStartedAt = performance.now();
      for (let start = 0; start < jobs; start += BULK_CALL_SIZE) {
        const seqs: number[] = [];
        for (let seq = start; seq < Math.min(jobs, start + BULK_CALL_SIZE); seq += 1) {
          seqs.push(seq);
        }
        await bulk(JOB_NAME, seqs);
      }
      const bulkSeconds = (performance.now() - bulkStartedAt) / 1000;
      runs.push({
        library,
        method: 'bulk',
        jobs,
        seconds: bulkSeconds,
        jobsPerSecond: jobs / bulkSeconds,
      });
      progress(
        'enqueue',
        `${libraryLabel(library)} bulk: ${Math.round(jobs / bulkSeconds)} jobs/s`,
      );
    });
  }
  return { runs, bulkCallSize: BULK_CALL_SIZE };
}
