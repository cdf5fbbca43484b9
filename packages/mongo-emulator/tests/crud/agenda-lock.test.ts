import type { Collection, Document } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from '../helpers/start-test-emulator.js';

/**
 * Agenda's lock (`findAndLockNextJob`): one job name, due and unlocked or stale, the earliest by
 * `{nextRunAt: 1, priority: -1}`, on its `findAndLockNextJobIndex`. What one lock reads is counted
 * with `explain('executionStats')`, not timed.
 */
let env: TestEmulator;
beforeAll(async () => {
  env = await startTestEmulator();
});
afterAll(() => env.stop());

const JOBS = 2000;
const DUE = new Date(Date.UTC(2024, 0, 1));
const NOW = new Date(DUE.getTime() + 3_600_000);

function lockQuery(now: Date): Document {
  return {
    $and: [
      { name: 'send-email', disabled: { $ne: true } },
      {
        $or: [
          { lockedAt: { $eq: null }, nextRunAt: { $lte: now } },
          { lockedAt: { $lte: new Date(now.getTime() - 600_000) } },
        ],
      },
    ],
  };
}

async function agendaJobs(name: string, equalNextRunAt: boolean): Promise<Collection<Document>> {
  const jobs = env.client.db('agenda').collection(name);
  await jobs.createIndex(
    { name: 1, nextRunAt: 1, priority: -1, lockedAt: 1, disabled: 1 },
    { name: 'findAndLockNextJobIndex' },
  );
  await jobs.insertMany(
    Array.from({ length: JOBS }, (_, i) => ({
      _id: i,
      name: 'send-email',
      nextRunAt: new Date(DUE.getTime() + (equalNextRunAt ? 0 : i)),
      priority: 0,
      lockedAt: null,
      disabled: false,
    })) as Document[],
  );
  return jobs;
}

async function lock(jobs: Collection<Document>): Promise<Document | null> {
  return jobs.findOneAndUpdate(
    lockQuery(NOW),
    { $set: { lockedAt: NOW } },
    {
      sort: { nextRunAt: 1, priority: -1 },
      returnDocument: 'after',
    },
  );
}

/** What the next lock would read, from explain's executionStats. */
async function nextLockCost(jobs: Collection<Document>): Promise<Document> {
  const explained = await jobs.db.command({
    explain: {
      findAndModify: jobs.collectionName,
      query: lockQuery(NOW),
      sort: { nextRunAt: 1, priority: -1 },
      update: { $set: { lockedAt: NOW } },
      new: true,
    },
    verbosity: 'executionStats',
  });
  return explained.executionStats;
}

describe("Agenda's lock query", () => {
  it('with equal nextRunAt, reads one key and one document per lock, in index order', async () => {
    const jobs = await agendaJobs('equal', true);
    const locked: unknown[] = [];
    for (let i = 0; i < 20; i++) locked.push((await lock(jobs))?._id);
    // Ties of the sort keep the index's order: lockedAt null first, then natural order.
    expect(locked).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(await nextLockCost(jobs)).toMatchObject({
      nReturned: 0,
      totalKeysExamined: 1,
      totalDocsExamined: 1,
    });
  });

  it('with distinct nextRunAt, skips locked jobs on their index keys, reading one document', async () => {
    const jobs = await agendaJobs('distinct', false);
    for (let i = 0; i < 20; i++) expect((await lock(jobs))?._id).toBe(i);
    const cost = await nextLockCost(jobs);
    // The 20 locked jobs come first in the index; their keys fail the lock query.
    expect(cost).toMatchObject({ totalKeysExamined: 21, totalDocsExamined: 1 });
    expect(cost.executionStages.inputStage.inputStage).toMatchObject({
      stage: 'IXSCAN',
      filter: {
        $and: [
          { disabled: { $ne: true } },
          {
            $or: [
              { $and: [{ lockedAt: { $eq: null } }, { nextRunAt: { $lte: NOW } }] },
              { lockedAt: { $lte: new Date(NOW.getTime() - 600_000) } },
            ],
          },
        ],
      },
    });
  });
});
