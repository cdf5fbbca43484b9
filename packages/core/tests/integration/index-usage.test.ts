import type { CommandStartedEvent, Db, Document } from 'mongodb';
import { describe, expect, it } from 'vitest';
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

/** How the server runs `command`: the stages of its winning plan, from `explain`. */
async function planStages(db: Db, command: Document): Promise<string[]> {
  const explained = await db.command({ explain: command, verbosity: 'executionStats' });
  expect(explained.executionStats?.executionSuccess ?? true).toBe(true);
  return stagesOf(winningPlan(explained));
}

describe('index usage', () => {
  const harness = useSchedulerHarness('indexes');

  it('serves every query the scheduler sends from one of its indexes (explain)', async () => {
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
    const unserved: Array<{ command: Document; stages: string[] }> = [];
    for (const event of sent) {
      for (const command of explainable(event, collectionName)) {
        const stages = await planStages(harness.db, command);
        const served =
          stages.some(readsIndex) && !stages.includes('COLLSCAN') && !stages.includes('SORT');
        if (!served) unserved.push({ command, stages });
      }
    }
    expect(unserved).toEqual([]);
  });
});
