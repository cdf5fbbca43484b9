import type { CommandStartedEvent, Db, Document } from 'mongodb';
import { MongoClient, MongoServerError } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';
import type { JobStatus } from '../../../src/jobs/job-status.js';
import type { JobFilter } from '../../../src/management/job-filter.js';
import { JOB_ORDERS } from '../../../src/management/job-order.js';
import { Monque } from '../../../src/monque.js';
import { createJobDocument } from '../../../src/testing/create-job-document.js';
import { useSchedulerHarness } from '../../setup/scheduler-harness.js';

/** `CommandNotFound` and `CommandNotSupported`: what a server without `explain` answers. */
const NO_EXPLAIN = new Set([59, 115]);

/** One plan stage of an explain output. */
interface Stage {
  readonly stage: string;
  readonly indexName?: string;
}

/**
 * Every stage of the plan that ran, in any of the shapes MongoDB's explain takes (classic
 * `inputStage`/`inputStages`, slot-based `queryPlan`, aggregation `$cursor` stages); the plans
 * the planner rejected are left out.
 */
function stagesOf(explain: unknown): Stage[] {
  const stages: Stage[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    const record = value as Record<string, unknown>;
    if (typeof record.stage === 'string') stages.push(record as unknown as Stage);
    for (const [key, child] of Object.entries(record)) {
      if (key !== 'rejectedPlans' && key !== 'allPlansExecution') visit(child);
    }
  };
  visit(explain);
  return stages;
}

/** Explains a command as sent; `undefined` when the server has no `explain` (the emulator, so far). */
async function explain(db: Db, command: Document): Promise<Document | undefined> {
  try {
    return await db.command({ explain: command, verbosity: 'executionStats' });
  } catch (error) {
    if (error instanceof MongoServerError && NO_EXPLAIN.has(Number(error.code))) return undefined;
    throw error;
  }
}

/** The commands Monque sends while `action` runs, as sent (by name). */
async function sent(db: Db, name: string, action: () => Promise<unknown>): Promise<Document[]> {
  const commands: Document[] = [];
  const listener = (event: CommandStartedEvent) => {
    if (event.commandName === name) commands.push(event.command);
  };
  db.client.on('commandStarted', listener);
  try {
    await action();
  } finally {
    db.client.off('commandStarted', listener);
  }
  return commands;
}

/** Only the fields a command needs to be explained (not `$db`, `lsid` and the like). */
function explainable(command: Document, fields: readonly string[]): Document {
  return Object.fromEntries(fields.filter((field) => field in command).map((f) => [f, command[f]]));
}

const STATUSES: JobStatus[] = ['pending', 'processing', 'completed', 'failed'];
const T0 = Date.UTC(2026, 0, 1);
const minute = (n: number) => new Date(T0 + n * 60_000);

const FILTERS: Array<[string, JobFilter]> = [
  ['no filter', {}],
  ['one status', { status: 'failed' }],
  ['several statuses', { status: ['pending', 'failed'] }],
  ['one name', { name: 'alpha' }],
  ['several names', { name: ['alpha', 'beta'] }],
  ['a name and a status', { name: 'alpha', status: 'pending' }],
  ['a createdAt range', { createdAt: { from: minute(10), to: minute(200) } }],
  ['an updatedAt range', { updatedAt: { from: minute(10) } }],
  ['a nextRunAt range', { nextRunAt: { to: minute(40) } }],
  ['a uniqueKey', { uniqueKey: 'key-3' }],
  ['recurring', { recurring: true }],
  ['data', { data: { 'customer.id': 3 } }],
  [
    'everything at once',
    {
      name: ['alpha', 'gamma'],
      status: ['pending', 'completed', 'failed'],
      createdAt: { from: minute(1) },
      updatedAt: { to: minute(1000) },
      nextRunAt: { from: minute(0) },
      recurring: false,
      data: { 'customer.id': 1 },
    },
  ],
];

describe('index use of the read methods (explain executionStats)', () => {
  const harness = useSchedulerHarness('mgmt-explain');
  let client: MongoClient | undefined;
  let setup: Promise<{ db: Db; monque: Monque }> | undefined;

  afterAll(async () => {
    await client?.close();
  });

  /** One collection of 600 jobs over 3 names and every status, shared by the cases. */
  function seeded() {
    setup ??= (async () => {
      client = await new MongoClient(harness.database.uri, { monitorCommands: true }).connect();
      const db = client.db(harness.db.databaseName);
      const monque = new Monque(db, {
        collectionName: harness.collectionName(),
        recoverStaleJobs: false,
      });
      await monque.initialize();
      await monque.collection.insertMany(
        Array.from({ length: 600 }, (_, i) =>
          createJobDocument({
            name: ['alpha', 'beta', 'gamma'][i % 3] as string,
            status: STATUSES[i % 4] as JobStatus,
            createdAt: minute(i),
            updatedAt: minute(600 - i),
            nextRunAt: minute((i * 13) % 97),
            repeatInterval: i % 7 === 0 ? '0 * * * *' : null,
            ...(i % 2 === 0 ? { uniqueKey: `key-${i}` } : {}),
            data: { customer: { id: i % 5 } },
            ...(i % 4 === 1 ? { claimedBy: `instance-${i % 3}`, lastHeartbeat: minute(i) } : {}),
          }),
        ),
      );
      return { db, monque };
    })();
    return setup;
  }

  /** Asserts that a plan reads `index` and has no collection scan and no blocking sort. */
  function expectServedBy(plan: Document, index: string): void {
    const stages = stagesOf(plan);
    const names = stages.map((stage) => stage.stage);
    expect(names).not.toContain('COLLSCAN');
    expect(names).not.toContain('SORT');
    const scanned = stages.filter((stage) => stage.stage === 'IXSCAN').map((s) => s.indexName);
    expect(scanned.length).toBeGreaterThan(0);
    expect(new Set(scanned)).toEqual(new Set([index]));
  }

  describe.each(JOB_ORDERS)('findJobs, order %s', (order) => {
    it.for(FILTERS)('%s: both pages read one index in order', async ([, filter], context) => {
      const { db, monque } = await seeded();
      const commands = await sent(db, 'find', async () => {
        const first = await monque.findJobs(filter, { order, limit: 5 });
        if (first.nextCursor !== null) {
          await monque.findJobs(filter, { order, limit: 5, cursor: first.nextCursor });
        }
      });
      expect(commands.length).toBeGreaterThan(0);
      for (const command of commands) {
        const plan = await explain(
          db,
          explainable(command, ['find', 'filter', 'sort', 'hint', 'limit']),
        );
        if (plan === undefined) {
          context.skip('the test server has no explain command');
          return;
        }
        expectServedBy(plan, command.hint as string);
        expect(plan.executionStats.nReturned).toBeLessThanOrEqual(6);
      }
    });
  });

  it.for<[string, { name?: string }]>([
    ['all names', {}],
    ['one name', { name: 'beta' }],
  ])(
    'getStats for %s: each aggregation reads the collection through indexes',
    async ([, options], context) => {
      const { db, monque } = await seeded();
      const [counts, activity] = await sent(db, 'aggregate', () => monque.getStats(options));
      expect(counts?.hint).toBe('monque_claim');
      // The leading $match is what reads the collection (the rest works on its output); it is
      // explained alone, as the shape of a whole pipeline's explain differs between engines.
      const reads = (command: Document | undefined) =>
        explainable({ ...command, pipeline: [command?.pipeline[0]] }, [
          'aggregate',
          'pipeline',
          'cursor',
          'hint',
        ]);
      const countsPlan = await explain(db, reads(counts));
      const activityPlan = await explain(db, reads(activity));
      if (countsPlan === undefined || activityPlan === undefined) {
        context.skip('the test server has no explain command');
        return;
      }
      expectServedBy(countsPlan, 'monque_claim');
      const activityStages = stagesOf(activityPlan);
      expect(activityStages.map((stage) => stage.stage)).not.toContain('COLLSCAN');
      const indexes = activityStages
        .filter((stage) => stage.stage === 'IXSCAN')
        .map((stage) => stage.indexName);
      expect(indexes.length).toBeGreaterThan(0);
      // Each branch of the $or is served by an index that starts with its `name` or `status`.
      for (const index of indexes) {
        expect([
          'monque_claim',
          'monque_takeover',
          'monque_status_created',
          'monque_status_updated',
          'monque_status_next_run',
        ]).toContain(index);
      }
    },
  );
});
