import type { CommandStartedEvent, Db, Document } from 'mongodb';
import { describe, expect, it } from 'vitest';
import type { JobDocument } from '../../src/jobs/job.js';
import { createJobDocument } from '../../src/testing/create-job-document.js';
import { nextEvent, useSchedulerHarness } from '../setup/scheduler-harness.js';

/** Command fields that carry session, transport or concern metadata rather than the query. */
const METADATA_FIELDS = new Set([
  'lsid',
  'txnNumber',
  'autocommit',
  'startTransaction',
  '$clusterTime',
  '$db',
  '$readPreference',
  'readConcern',
  'writeConcern',
  'maxTimeMS',
  'apiVersion',
  'apiStrict',
  'apiDeprecationErrors',
]);

/** Stages that read an index (MongoDB 8 names its fast single-document paths EXPRESS_*). */
function readsIndex(stage: string): boolean {
  return (
    ['IXSCAN', 'IDHACK', 'COUNT_SCAN', 'DISTINCT_SCAN'].includes(stage) ||
    stage.startsWith('EXPRESS_')
  );
}

function withoutMetadata(command: Document): Document {
  return Object.fromEntries(Object.entries(command).filter(([key]) => !METADATA_FIELDS.has(key)));
}

/** The commands to explain for one sent command: one per write statement, the query otherwise. */
function explainable(event: CommandStartedEvent, collection: string): Document[] {
  const command = withoutMetadata(event.command);
  const name = event.commandName;
  if (command[name] !== collection) return [];
  switch (name) {
    case 'find':
    case 'findAndModify':
    case 'count':
    case 'distinct':
      return [command];
    case 'aggregate': {
      const [first] = command.pipeline as Document[];
      // A change stream reads the oplog, not the collection's indexes.
      return first !== undefined && '$changeStream' in first ? [] : [command];
    }
    case 'update':
      return (command.updates as Document[]).map((statement) => ({
        ...command,
        updates: [statement],
      }));
    case 'delete':
      return (command.deletes as Document[]).map((statement) => ({
        ...command,
        deletes: [statement],
      }));
    default:
      return [];
  }
}

/** Every stage name of a plan tree. */
function stagesOf(plan: Document): string[] {
  const children: Document[] = [plan.inputStage, ...(plan.inputStages ?? [])].filter(Boolean);
  return [plan.stage as string, ...children.flatMap(stagesOf)];
}

/** The winning plan of an explain reply (classic or slot-based engine, query or pipeline shape). */
function winningPlan(explained: Document): Document {
  const planner = explained.queryPlanner ?? explained.stages?.[0]?.$cursor?.queryPlanner;
  return planner.winningPlan.queryPlan ?? planner.winningPlan;
}

/** What the server did for `command`, from `explain`: its plan and how much it read. */
interface PlanRun {
  stages: string[];
  /** Documents the query part selected (for a write: those it would change). */
  selected: number;
  keysExamined: number;
  docsExamined: number;
}

/** How the server runs `command`: its winning plan and what running it examined. */
async function explainRun(db: Db, command: Document): Promise<PlanRun> {
  const explained = await db.command({ explain: command, verbosity: 'executionStats' });
  const stats = explained.executionStats ?? explained.stages?.[0]?.$cursor?.executionStats;
  expect(stats?.executionSuccess).toBe(true);
  const top = stats.executionStages as Document;
  const writes = top.stage === 'UPDATE' || top.stage === 'DELETE';
  return {
    stages: stagesOf(winningPlan(explained)),
    selected: writes ? (top.inputStage?.nReturned ?? 0) : stats.nReturned,
    keysExamined: stats.totalKeysExamined,
    docsExamined: stats.totalDocsExamined,
  };
}

/**
 * How many more index keys or documents than it selects a query may read and still count as
 * served by an index: the end of a range, one key per value of an `$in`. A query served by a
 * poorer index reads the other jobs (hundreds, see `addOtherJobs`).
 */
const EXAMINED_BEYOND_SELECTED = 20;

/**
 * Jobs that the scheduler's queries must not read: due jobs of another name, jobs other instances
 * hold with fresh heartbeats, finished jobs, and future jobs with unique keys. With the right
 * index each query skips them; with a poorer one (a status-only prefix, say) it reads them all.
 */
async function addOtherJobs(db: Db, collection: string): Promise<void> {
  const now = Date.now();
  const longAgo = new Date(now - 86_400_000);
  const later = new Date(now + 3_600_000);
  const job = (i: number, fields: Partial<JobDocument>): JobDocument =>
    createJobDocument({
      name: 'other',
      data: { i },
      nextRunAt: later,
      createdAt: longAgo,
      ...fields,
    });
  await db.collection<JobDocument>(collection).insertMany([
    ...Array.from({ length: 100 }, (_, i) => job(i, { nextRunAt: longAgo })),
    ...Array.from({ length: 100 }, (_, i) =>
      job(i, {
        status: 'processing',
        lockedAt: later,
        claimedBy: `other-${i % 3}`,
        lastHeartbeat: later,
        heartbeatInterval: 100,
      }),
    ),
    ...Array.from({ length: 100 }, (_, i) => job(i, { name: 'mixed', status: 'completed' })),
    ...Array.from({ length: 100 }, (_, i) => job(i, { name: 'mixed', uniqueKey: `other-${i}` })),
  ]);
}

describe('index usage', () => {
  const harness = useSchedulerHarness('indexes');

  it('serves every query the scheduler sends from one of its indexes, reading only what it selects (explain)', async () => {
    const collectionName = harness.collectionName();
    const db = await harness.separateDb({ monitorCommands: true });
    const events: CommandStartedEvent[] = [];
    db.client.on('commandStarted', (event) => events.push(event));
    const monque = harness.create(
      {
        collectionName,
        maxRetries: 2,
        baseRetryInterval: 10,
        heartbeatInterval: 50,
        // Heartbeats (and stale sweeps) every 50 ms, with a lease that a busy machine keeps.
        lockTimeout: 400,
      },
      db,
    );
    let calls = 0;
    monque.worker('mixed', async () => {
      calls += 1;
      if (calls === 1) throw new Error('first attempt fails');
      await new Promise((resolve) => setTimeout(resolve, 120));
    });
    await monque.start();
    await monque.schedule('0 0 1 1 *', 'mixed', { recurring: true });
    await monque.schedule('0 0 1 2 *', 'mixed', { recurring: true });
    await monque.enqueue('mixed', { later: true }, { runAt: new Date(Date.now() + 60_000) });
    await monque.enqueue('mixed', { unique: true }, { uniqueKey: 'u' });
    await nextEvent(monque, 'job:fail');
    await nextEvent(monque, 'job:complete');
    await monque.stop();

    const sent = events.filter((event) => event.command[event.commandName] === collectionName);
    expect(
      new Set(
        sent.flatMap((event) =>
          explainable(event, collectionName).length > 0 ? [event.commandName] : [],
        ),
      ),
    ).toEqual(new Set(['findAndModify', 'update', 'find']));
    await addOtherJobs(harness.db, collectionName);
    const unserved: Array<{ command: Document; run: PlanRun }> = [];
    const emulated = harness.database.substrate === 'emulator';
    for (const event of sent) {
      for (const command of explainable(event, collectionName)) {
        const run = await explainRun(harness.db, command);
        // The claim reads `monque_claim_priority` over every priority and, within each, the due
        // range of `nextRunAt`: MongoDB seeks from the end of one priority's due keys to the next
        // priority, so it examines only the keys it selects (plus one per priority). The emulator
        // reads an index as one prefix and one range and tests the other key fields on each key,
        // so it counts the keys of future jobs of the name too: there only the documents read
        // are bounded (its keys are tested before any document is read).
        const seeks = emulated && JSON.stringify(command.hint ?? null).includes('"priority":-1');
        const served =
          run.stages.some(readsIndex) &&
          !run.stages.includes('COLLSCAN') &&
          !run.stages.includes('SORT') &&
          (seeks || run.keysExamined <= run.selected + EXAMINED_BEYOND_SELECTED) &&
          run.docsExamined <= run.selected + EXAMINED_BEYOND_SELECTED;
        if (!served) unserved.push({ command, run });
      }
    }
    expect(unserved).toEqual([]);
  });
});
