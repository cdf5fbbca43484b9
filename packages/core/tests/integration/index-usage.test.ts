import type { CommandStartedEvent, Document } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { JOB_INDEXES } from '../../src/indexes.js';
import { nextEvent, useSchedulerHarness } from '../setup/scheduler-harness.js';

interface Query {
  readonly command: string;
  readonly filter: Document;
  readonly sort: Document;
}

const RANGE_OPERATORS = new Set(['$lt', '$lte', '$gt', '$gte']);

/** The filter's top-level equality fields (a value, `$eq` or `$in`; not a range). */
function classify(filter: Document): { equality: Set<string> } {
  const equality = new Set<string>();
  for (const [field, condition] of Object.entries(filter)) {
    const operators =
      condition !== null &&
      typeof condition === 'object' &&
      !(condition instanceof Date) &&
      Object.keys(condition).every((key) => key.startsWith('$'))
        ? Object.keys(condition)
        : [];
    if (operators.length === 0 || !operators.every((op) => RANGE_OPERATORS.has(op))) {
      equality.add(field);
    }
  }
  return { equality };
}

/**
 * Whether an index serves a query by the equality-sort-range rule: its keys start with equality
 * fields of the query (at least one), continue with the sort fields in order (all of them, so no
 * in-memory sort is needed), then may hold range fields.
 */
function serves(key: Document, query: Query): boolean {
  const keys = Object.keys(key);
  const { equality } = classify(query.filter);
  let position = 0;
  while (position < keys.length && equality.has(keys[position] as string)) position += 1;
  if (position === 0) return false;
  for (const field of Object.keys(query.sort)) {
    if (equality.has(field)) continue;
    if (keys[position] !== field) return false;
    position += 1;
  }
  // Any remaining index keys only narrow the scan further (range fields) or are unused.
  return true;
}

const INDEXES: Document[] = [{ _id: 1 }, ...JOB_INDEXES.map((index) => index.key)];

function queriesOf(event: CommandStartedEvent, collection: string): Query[] {
  const { command } = event;
  const name = event.commandName;
  if (command[name] !== collection) return [];
  switch (name) {
    case 'find':
      return [{ command: name, filter: command.filter ?? {}, sort: command.sort ?? {} }];
    case 'findAndModify':
      return [{ command: name, filter: command.query ?? {}, sort: command.sort ?? {} }];
    case 'update':
    case 'delete':
      return (command.updates ?? command.deletes).map((statement: Document) => ({
        command: name,
        filter: statement.q,
        sort: {},
      }));
    case 'aggregate': {
      const [first] = command.pipeline as Document[];
      // A change stream reads the oplog, not the collection's indexes.
      if (first !== undefined && '$changeStream' in first) return [];
      return [{ command: name, filter: first?.$match ?? {}, sort: {} }];
    }
    case 'count':
      return [{ command: name, filter: command.query ?? {}, sort: {} }];
    default:
      return [];
  }
}

describe('index usage', () => {
  const harness = useSchedulerHarness('indexes');

  it('serves every query the scheduler sends from one of its indexes', async () => {
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
        lockTimeout: 100,
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

    const queries = events.flatMap((event) => queriesOf(event, collectionName));
    const commands = new Set(queries.map((query) => query.command));
    expect(commands).toEqual(new Set(['findAndModify', 'update', 'find']));
    const unserved = queries.filter((query) => !INDEXES.some((key) => serves(key, query)));
    expect(unserved).toEqual([]);
  });
});
