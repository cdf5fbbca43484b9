import type { Db } from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobErrorEvent } from '../../../src/events.js';
import { Monque } from '../../../src/monque.js';
import {
  claimMissingACandidate,
  interceptedDb,
  isBatchClaim,
  isClaimReadBack,
  passThrough,
} from '../../integration/support/intercepted-db.js';
import type { ReliabilityContext } from '../support/context.js';
import { checkScenario } from '../support/summary.js';
import { countWhenReached } from '../support/wait.js';

const JOBS = 10;
/** Far beyond the scenario: a job left to stale recovery would not run within it. */
const LOCK_TIMEOUT = 120_000;
/** Later than the round-trip time limit (max(2 × heartbeatInterval, 5 s)). */
const BLOCK_MS = 5500;

/**
 * Scenario 11: a claim round whose outcome is unknown — its read-back is lost, or its claim is
 * answered only after the round-trip time limit although it landed at once — must not strand what
 * it claimed until `lockTimeout`: the jobs are handed back at once and run, with no takeover.
 */
export function describeStrandedRounds(context: ReliabilityContext): void {
  describe('11. claim rounds whose outcome is unknown', () => {
    const instances: Monque[] = [];

    afterEach(async () => {
      await Promise.all(instances.splice(0).map((monque) => monque.stop()));
    });

    async function run(db: Db, collectionName: string) {
      const monque = new Monque(db, {
        collectionName,
        heartbeatInterval: 1000,
        lockTimeout: LOCK_TIMEOUT,
        pollInterval: 100,
        defaultConcurrency: JOBS,
      });
      instances.push(monque);
      const runs = new Map<string, number>();
      monque.worker('work', (job) => {
        const id = job._id.toHexString();
        runs.set(id, (runs.get(id) ?? 0) + 1);
      });
      const errors: JobErrorEvent[] = [];
      monque.on('job:error', (event) => errors.push(event));
      let recovered = 0;
      monque.on('stale:recovered', ({ count }) => {
        recovered += count;
      });
      await monque.start();
      const enqueued = await monque.enqueueMany(
        Array.from({ length: JOBS }, (_, i) => ({ name: 'work', data: { i } })),
      );
      const startedAt = Date.now();
      const completed = await countWhenReached(monque.collection, 'completed', JOBS, {
        timeout: 30_000,
      });
      const took = Date.now() - startedAt;
      const jobs = await monque.collection.find({}).toArray();
      return { enqueued, runs, errors, recovered, completed, took, jobs };
    }

    it('a lost read-back: the round is handed back at once', async (test) => {
      let lost = 0;
      let missed = 0;
      const db = interceptedDb(await context.separateDb(), (collection, method, args) => {
        // The first round misses a candidate (changed since it was read), so it reads back what
        // it claimed; that read-back is lost.
        if (isBatchClaim(method, args) && missed === 0) {
          missed += 1;
          return claimMissingACandidate(collection, args);
        }
        if (isClaimReadBack(method, args) && lost === 0) {
          lost += 1;
          return {
            toArray: () =>
              Promise.reject(
                Object.assign(new Error('connection reset'), { name: 'MongoNetworkError' }),
              ),
          };
        }
        return passThrough(collection, method, args);
      });
      const result = await run(db, context.collectionName('stranded_read_back'));
      const duplicates = [...result.runs.values()].filter((count) => count > 1).length;
      await checkScenario(
        test,
        '11 claim round: read-back lost',
        {
          jobs: JOBS,
          duplicates,
          lost: JOBS - result.completed,
          recovery: `${result.completed} of ${JOBS} completed ${result.took} ms after enqueueing (lockTimeout ${LOCK_TIMEOUT} ms)`,
          notes: `${lost} read-back lost, ${result.recovered} taken over as stale; job:error: ${result.errors.map(({ error }) => error.message).join(' | ')}`,
        },
        () => {
          expect(lost).toBe(1);
          expect(result.completed).toBe(JOBS);
          expect(duplicates).toBe(0);
          expect(result.recovered).toBe(0);
          expect(result.jobs.every((job) => (job.takeoverCount ?? 0) === 0)).toBe(true);
          expect(result.errors).toHaveLength(1);
        },
      );
    }, 60_000);

    it(`a claim answered ${BLOCK_MS} ms late (after the round-trip limit): handed back once it answers`, async (test) => {
      let delayed = 0;
      // The claim lands at once; its answer reaches Monque only after the round-trip time limit
      // (as across a congested link), when the round has been given up.
      const db = interceptedDb(await context.separateDb(), (collection, method, args) => {
        if (!isBatchClaim(method, args) || delayed > 0)
          return passThrough(collection, method, args);
        delayed += 1;
        return (passThrough(collection, method, args) as Promise<unknown>).then(
          (answer) => new Promise((resolve) => setTimeout(() => resolve(answer), BLOCK_MS)),
        );
      });
      const result = await run(db, context.collectionName('stranded_late'));
      const duplicates = [...result.runs.values()].filter((count) => count > 1).length;
      await checkScenario(
        test,
        '11 claim round: answered after the round-trip limit',
        {
          jobs: JOBS,
          duplicates,
          lost: JOBS - result.completed,
          recovery: `${result.completed} of ${JOBS} completed ${result.took} ms after enqueueing (answer ${BLOCK_MS} ms late, lockTimeout ${LOCK_TIMEOUT} ms)`,
          notes: `${result.recovered} taken over as stale; job:error: ${result.errors.map(({ error }) => error.message).join(' | ')}`,
        },
        () => {
          expect(delayed).toBe(1);
          expect(result.completed).toBe(JOBS);
          expect(duplicates).toBe(0);
          expect(result.recovered).toBe(0);
          expect(result.jobs.every((job) => (job.takeoverCount ?? 0) === 0)).toBe(true);
          expect(result.errors.map(({ error }) => error.message)).toEqual([
            expect.stringMatching(/^could not claim jobs of "work": the database did not answer/),
          ]);
        },
      );
    }, 60_000);
  });
}
