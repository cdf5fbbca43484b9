import { ObjectId } from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';
import { MonqueError } from '../../../src/errors.js';
import type { JobErrorEvent } from '../../../src/events.js';
import { Monque } from '../../../src/monque.js';
import type { ReliabilityContext } from '../support/context.js';
import { checkScenario } from '../support/summary.js';
import { waitForCondition } from '../support/wait.js';

/**
 * Scenario 8: documents written by other software — missing or wrong-typed fields — among real
 * jobs. They must not stop the claim loop: each one the claim query matches is skipped (marked
 * failed) and reported once through job:error; the real jobs all run.
 */
export function describeForeignDocuments(context: ReliabilityContext): void {
  describe('8. foreign documents', () => {
    const instances: Monque[] = [];

    afterEach(async () => {
      await Promise.all(instances.splice(0).map((monque) => monque.stop()));
    });

    it('skips and reports each foreign document once; the claim loop goes on', async (test) => {
      const collectionName = context.collectionName('foreign');
      const monque = new Monque(await context.separateDb(), {
        collectionName,
        pollInterval: 50,
        backupPollInterval: 200,
        heartbeatInterval: 100,
        // Not about takeovers: a lease that a stalled event loop on a busy machine does not lapse
        // (a lapsed lease would be one more job:error than the scenario counts).
        lockTimeout: 30_000,
        defaultConcurrency: 2,
      });
      instances.push(monque);
      await monque.initialize();
      const past = new Date(Date.now() - 60_000);
      const valid = {
        name: 'work',
        data: null,
        status: 'pending',
        nextRunAt: past,
        lockedAt: null,
        claimedBy: null,
        lastHeartbeat: null,
        heartbeatInterval: null,
        failCount: 0,
        failReason: null,
        repeatInterval: null,
        timezone: null,
        createdAt: past,
        updatedAt: past,
      };
      // Each matches the claim query (name, status pending, nextRunAt due) but is not a job.
      const claimable: Record<string, Record<string, unknown>> = {
        'only the claim fields': { name: 'work', status: 'pending', nextRunAt: past },
        'failCount a string': { ...valid, failCount: 'three' },
        'failCount negative': { ...valid, failCount: -1 },
        'data missing': { ...valid, data: undefined },
        'createdAt a string': { ...valid, createdAt: '2026-01-01' },
        'repeatInterval a number': { ...valid, repeatInterval: 5 },
        'uniqueKey an object': { ...valid, uniqueKey: { $ne: null } },
        'stale processing, fields missing': {
          name: 'work',
          status: 'processing',
          lastHeartbeat: past,
          nextRunAt: past,
        },
      };
      // These never match a Monque query; they must be left alone.
      const unmatched: Record<string, Record<string, unknown>> = {
        'no name': { ...valid, name: undefined },
        'status unknown': { ...valid, status: 'queued' },
        'nextRunAt a string': { ...valid, nextRunAt: '2020-01-01' },
        'an empty document': {},
      };
      const raw = monque.collection.db.collection(collectionName);
      const foreignIds = new Map<string, string>();
      for (const [label, doc] of Object.entries({ ...claimable, ...unmatched })) {
        const _id = new ObjectId();
        const fields = Object.fromEntries(Object.entries(doc).filter(([, v]) => v !== undefined));
        await raw.insertOne({ _id, ...fields });
        foreignIds.set(_id.toHexString(), label);
      }
      const real = [];
      for (let i = 0; i < 10; i += 1) real.push((await monque.enqueue('work', { i })).job);

      const runs: string[] = [];
      monque.worker('work', async (job) => {
        runs.push(job._id.toHexString());
      });
      const errors: JobErrorEvent[] = [];
      monque.on('job:error', (event) => errors.push(event));
      await monque.start();

      const realIds = real.map((job) => job._id.toHexString());
      await waitForCondition(
        'the real jobs to run and the foreign documents to be reported',
        () =>
          realIds.every((id) => runs.includes(id)) &&
          errors.length >= Object.keys(claimable).length,
        { timeout: 10_000, describe: () => `${runs.length} runs, ${errors.length} errors` },
      );
      // More claim rounds after that: a foreign document must not be reported a second time.
      for (const round of [1, 2]) {
        const { job: extra } = await monque.enqueue('work', { extra: round });
        await waitForCondition(`extra job ${round}`, () => runs.includes(extra._id.toHexString()), {
          timeout: 5000,
        });
      }

      const reported = new Map<string, number>();
      for (const { error } of errors) {
        const id = [...foreignIds.keys()].find((hex) => error.message.includes(hex));
        if (id !== undefined) reported.set(id, (reported.get(id) ?? 0) + 1);
      }
      const claimableLabels = new Set(Object.keys(claimable));
      const reportedLabels = [...reported.keys()].map((id) => foreignIds.get(id));
      const stored = new Map<string, Record<string, unknown> | null>();
      for (const id of foreignIds.keys()) {
        stored.set(id, await raw.findOne({ _id: ObjectId.createFromHexString(id) }));
      }
      await checkScenario(
        test,
        '8 foreign documents',
        {
          jobs: realIds.length + 2,
          duplicates: runs.length - new Set(runs).size,
          lost: realIds.filter((id) => !runs.includes(id)).length,
          recovery: 'n/a',
          notes: `${Object.keys(claimable).length} claimable foreign docs reported ${errors.length} times, ${Object.keys(unmatched).length} unmatched left alone`,
        },
        () => {
          expect(errors.every(({ error }) => error instanceof MonqueError)).toBe(true);
          expect(new Set(reportedLabels)).toEqual(claimableLabels);
          expect([...reported.values()].every((count) => count === 1)).toBe(true);
          expect(errors).toHaveLength(claimableLabels.size);
          expect(new Set(runs).size).toBe(runs.length);
          expect(runs.filter((id) => foreignIds.has(id))).toEqual([]);
          for (const [id, label] of foreignIds) {
            const doc = stored.get(id);
            if (claimableLabels.has(label)) {
              expect(doc?.status, label).toBe('failed');
              expect(doc?.failReason, label).toEqual(expect.stringContaining('not a Monque job'));
            } else {
              expect(doc?.status, label).toBe(unmatched[label]?.status);
            }
          }
        },
      );
    }, 30_000);
  });
}
