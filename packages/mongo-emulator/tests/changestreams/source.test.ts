import type { Document } from 'bson';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChangeLog } from '../../src/changestreams/change-log.js';
import type { StartRequest } from '../../src/changestreams/options.js';
import { compileEventPipeline } from '../../src/changestreams/pipeline.js';
import { decodeResumeToken } from '../../src/changestreams/resume-token.js';
import type { StreamScope } from '../../src/changestreams/scope.js';
import { ChangeStreamSource } from '../../src/changestreams/source.js';
import { resolveStart } from '../../src/changestreams/start.js';
import { CommandError } from '../../src/errors.js';
import { FakeEngine } from './fake-engine.js';

const COLLECTION: StreamScope = { level: 'collection', db: 'app', coll: 'jobs' };

function openSource(
  engine: FakeEngine,
  log: ChangeLog,
  options: { scope?: StreamScope; pipeline?: Document[]; start?: StartRequest } = {},
): ChangeStreamSource {
  return new ChangeStreamSource({
    log,
    scope: options.scope ?? COLLECTION,
    pipeline: compileEventPipeline(options.pipeline ?? []),
    fullDocument: 'default',
    lookup: (db, coll, key) => engine.findById(db, coll, key._id) ?? null,
    start: resolveStart(options.start ?? { kind: 'now' }, log, engine.clock),
  });
}

function codeOf(action: () => unknown): number | undefined {
  try {
    action();
  } catch (error) {
    if (error instanceof CommandError) return error.code;
    throw error;
  }
  return undefined;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('ChangeLog', () => {
  it('numbers records in commit order and forgets the oldest beyond its capacity', () => {
    const engine = new FakeEngine();
    const log = new ChangeLog(engine.asEngine(), { capacity: 10 });
    for (let index = 0; index < 25; index += 1) engine.insert('app', 'jobs', { _id: index });
    expect(log.lastSeq).toBe(25);
    expect(log.firstSeq).toBeGreaterThan(1);
    expect(log.entry(25)?.record.documentKey).toEqual({ _id: 24 });
    expect(log.entry(1)).toBeUndefined();
  });
});

describe('ChangeStreamSource', () => {
  it('starts after the writes that precede it and reports later ones in order', async () => {
    const engine = new FakeEngine();
    const log = new ChangeLog(engine.asEngine());
    engine.insert('app', 'jobs', { _id: 'before' });
    const source = openSource(engine, log);
    const first = await source.nextBatch(undefined, undefined);
    expect(first.documents).toEqual([]);
    engine.insert('app', 'jobs', { _id: 1 });
    engine.insert('app', 'other', { _id: 2 });
    engine.insert('app', 'jobs', { _id: 3 });
    const batch = await source.nextBatch(undefined, undefined);
    expect(batch.documents.map((event) => event.documentKey)).toEqual([{ _id: 1 }, { _id: 3 }]);
    const tokens = batch.documents.map((event) => (event._id as { _data: string })._data);
    expect([...tokens].sort()).toEqual(tokens);
    expect((batch.postBatchResumeToken as { _data: string })._data > (tokens[1] as string)).toBe(
      true,
    );
  });

  it('ends an awaiting batch as soon as an event is committed', async () => {
    vi.useFakeTimers();
    const engine = new FakeEngine();
    const log = new ChangeLog(engine.asEngine());
    const source = openSource(engine, log);
    const pending = source.nextBatch(undefined, 60_000);
    engine.insert('app', 'jobs', { _id: 1 });
    await vi.advanceTimersToNextTimerAsync();
    const batch = await pending;
    expect(batch.documents).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('ends an awaiting batch empty when the await time passes', async () => {
    vi.useFakeTimers();
    const engine = new FakeEngine();
    const log = new ChangeLog(engine.asEngine());
    const source = openSource(engine, log);
    const pending = source.nextBatch(undefined, 1000);
    engine.insert('app', 'elsewhere', { _id: 1 });
    await vi.advanceTimersByTimeAsync(999);
    let settled = false;
    void pending.then(() => {
      settled = true;
    });
    await Promise.resolve();
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const batch = await pending;
    expect(batch.documents).toEqual([]);
    expect(batch.postBatchResumeToken).toBeDefined();
  });

  it('resumes after an event token and after a position token without loss or duplicates', async () => {
    const engine = new FakeEngine();
    const log = new ChangeLog(engine.asEngine());
    const source = openSource(engine, log);
    for (let index = 1; index <= 4; index += 1) engine.insert('app', 'jobs', { _id: index });
    const firstTwo = await source.nextBatch(2, undefined);
    expect(firstTwo.documents.map((event) => event.documentKey._id)).toEqual([1, 2]);
    const resumed = openSource(engine, log, {
      start: {
        kind: 'resumeAfter',
        point: decodeResumeToken(firstTwo.postBatchResumeToken, 'resumeAfter'),
      },
    });
    const rest = await resumed.nextBatch(undefined, undefined);
    expect(rest.documents.map((event) => event.documentKey._id)).toEqual([3, 4]);
    engine.insert('app', 'jobs', { _id: 5 });
    const fromPosition = openSource(engine, log, {
      start: {
        kind: 'resumeAfter',
        point: decodeResumeToken(rest.postBatchResumeToken, 'resumeAfter'),
      },
    });
    const last = await fromPosition.nextBatch(undefined, undefined);
    expect(last.documents.map((event) => event.documentKey._id)).toEqual([5]);
  });

  it('reports drop then invalidate and ends; startAfter the invalidate continues', async () => {
    const engine = new FakeEngine();
    const log = new ChangeLog(engine.asEngine());
    const source = openSource(engine, log);
    engine.commit({ operationType: 'drop', db: 'app', coll: 'jobs' });
    engine.insert('app', 'jobs', { _id: 'recreated' });
    const batch = await source.nextBatch(undefined, undefined);
    expect(batch.documents.map((event) => event.operationType)).toEqual(['drop', 'invalidate']);
    expect(batch.exhausted).toBe(true);
    const invalidateToken = decodeResumeToken(batch.documents[1]?._id, 'startAfter');
    expect(
      codeOf(() =>
        resolveStart({ kind: 'resumeAfter', point: invalidateToken }, log, engine.clock),
      ),
    ).toBe(260);
    const after = openSource(engine, log, {
      start: { kind: 'startAfter', point: invalidateToken },
    });
    const next = await after.nextBatch(undefined, undefined);
    expect(next.documents.map((event) => event.documentKey._id)).toEqual(['recreated']);
  });

  it('answers 286 for a token older than the log and 280 for an unknown one', () => {
    const engine = new FakeEngine();
    const log = new ChangeLog(engine.asEngine(), { capacity: 5 });
    const first = engine.insert('app', 'jobs', { _id: 0 });
    const point = { clusterTime: first.clusterTime, seq: 1, kind: 'event' as const };
    for (let index = 1; index < 20; index += 1) engine.insert('app', 'jobs', { _id: index });
    expect(codeOf(() => resolveStart({ kind: 'resumeAfter', point }, log, engine.clock))).toBe(286);
    const unknown = { clusterTime: first.clusterTime, seq: 19, kind: 'event' as const };
    expect(
      codeOf(() => resolveStart({ kind: 'resumeAfter', point: unknown }, log, engine.clock)),
    ).toBe(280);
  });

  it('fails with 280 when the pipeline removes the resume token', async () => {
    const engine = new FakeEngine();
    const log = new ChangeLog(engine.asEngine());
    const source = openSource(engine, log, { pipeline: [{ $project: { _id: 0 } }] });
    engine.insert('app', 'jobs', { _id: 1 });
    await expect(source.nextBatch(undefined, undefined)).rejects.toMatchObject({
      code: 280,
      errorLabels: ['NonResumableChangeStreamError'],
    });
  });

  it('applies $match and $project to events, and database scope sees every collection', async () => {
    const engine = new FakeEngine();
    const log = new ChangeLog(engine.asEngine());
    const source = openSource(engine, log, {
      scope: { level: 'database', db: 'app' },
      pipeline: [{ $match: { 'fullDocument.keep': true } }, { $project: { ns: 1 } }],
    });
    engine.insert('app', 'a', { _id: 1, keep: true });
    engine.insert('app', 'b', { _id: 2, keep: false });
    engine.insert('app', 'c', { _id: 3, keep: true });
    engine.insert('other', 'c', { _id: 4, keep: true });
    const batch = await source.nextBatch(undefined, undefined);
    expect(batch.documents.map((event) => event.ns)).toEqual([
      { db: 'app', coll: 'a' },
      { db: 'app', coll: 'c' },
    ]);
    expect(Object.keys(batch.documents[0] ?? {})).toEqual(['_id', 'ns']);
  });

  it('wakes a pending wait with an empty batch when closed', async () => {
    const engine = new FakeEngine();
    const log = new ChangeLog(engine.asEngine());
    const source = openSource(engine, log);
    const pending = source.nextBatch(undefined, 60_000);
    source.close();
    await expect(pending).resolves.toMatchObject({ documents: [], exhausted: false });
  });
});

describe('dropDatabase', () => {
  it('only invalidates a stream on a collection that no longer exists', async () => {
    const engine = new FakeEngine();
    const log = new ChangeLog(engine.asEngine());
    const source = openSource(engine, log);
    engine.commit({ operationType: 'dropDatabase', db: 'app' });
    const batch = await source.nextBatch(undefined, undefined);
    expect(batch.documents.map((event) => event.operationType)).toEqual(['invalidate']);
    expect(batch.exhausted).toBe(true);
  });
});
