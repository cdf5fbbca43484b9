import { ObjectId } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { ClaimDispatcher } from '../../src/claim/claim-dispatcher.js';
import { type ClaimBatch, MAX_CLAIM_BATCH } from '../../src/claim/claim-job.js';
import { MonqueError } from '../../src/errors.js';
import type { JobDocument } from '../../src/jobs/job.js';
import { WorkerRegistry } from '../../src/workers/worker-registry.js';
import { deferred, flush } from './fakes.js';

function job(name: string): JobDocument {
  return { _id: new ObjectId(), name } as JobDocument;
}

function jobs(name: string, count: number): JobDocument[] {
  return Array.from({ length: count }, () => job(name));
}

/** Lets a claim loop start (it waits one macrotask) and its promise callbacks run. */
async function tick(): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
  await flush();
}

function setup(maxConcurrency?: number, aheadLimit = 0, startable = (_job: JobDocument) => true) {
  const registry = new WorkerRegistry(maxConcurrency);
  const claims: {
    name: string;
    limit: number;
    answer: ReturnType<typeof deferred<ClaimBatch>>;
  }[] = [];
  const started: JobDocument[] = [];
  const errors: unknown[] = [];
  const dispatcher = new ClaimDispatcher({
    registry,
    claim: (name, limit) => {
      const answer = deferred<ClaimBatch>();
      claims.push({ name, limit, answer });
      return answer.promise;
    },
    start: (claimed) => {
      if (!startable(claimed)) return false;
      started.push(claimed);
      return true;
    },
    aheadLimit: () => aheadLimit,
    onError: (error) => errors.push(error),
  });
  return { registry, dispatcher, claims, started, errors };
}

describe('ClaimDispatcher', () => {
  it('claims all free slots in one round while wanted, one round at a time per name', async () => {
    const { registry, dispatcher, claims, started } = setup();
    registry.register('a', () => {}, 3, false);
    dispatcher.request('a');
    await tick();
    expect(claims).toHaveLength(0);
    dispatcher.activate();
    await tick();
    expect(claims.map(({ limit }) => limit)).toEqual([3]);
    dispatcher.request('a');
    await tick();
    expect(claims).toHaveLength(1);
    // Two of three: more may be due (another instance took one first).
    claims[0]?.answer.resolve({ jobs: jobs('a', 2), errors: [], more: true });
    await tick();
    expect(started).toHaveLength(2);
    expect(claims.map(({ limit }) => limit)).toEqual([3, 1]);
    claims[1]?.answer.resolve({ jobs: jobs('a', 1), errors: [], more: true });
    await tick();
    expect(started).toHaveLength(3);
    expect(claims).toHaveLength(2);
    expect(registry.heldCount).toBe(3);
    registry.release('a', 2);
    dispatcher.kick();
    await tick();
    expect(claims.map(({ limit }) => limit)).toEqual([3, 1, 2]);
    claims[2]?.answer.resolve({ jobs: [], errors: [], more: false });
    await tick();
    expect(claims).toHaveLength(3);
    expect(registry.heldCount).toBe(1);
  });

  it('claims the slots freed in one tick in one round, at most MAX_CLAIM_BATCH', async () => {
    const { registry, dispatcher, claims } = setup();
    registry.register('a', () => {}, MAX_CLAIM_BATCH + 50, false);
    registry.reserve('a', MAX_CLAIM_BATCH + 50);
    dispatcher.activate();
    dispatcher.request('a');
    for (let i = 0; i < 80; i += 1) {
      registry.release('a');
      dispatcher.kick();
    }
    await tick();
    expect(claims.map(({ limit }) => limit)).toEqual([80]);
    registry.release('a', 70);
    claims[0]?.answer.resolve({ jobs: jobs('a', 80), errors: [], more: true });
    await tick();
    expect(claims.map(({ limit }) => limit)).toEqual([80, MAX_CLAIM_BATCH - 30]);
  });

  it('ignores unregistered names', async () => {
    const { dispatcher, claims } = setup();
    dispatcher.activate();
    dispatcher.request('nobody');
    dispatcher.kick();
    await tick();
    expect(claims).toHaveLength(0);
  });

  it('reports a failed claim, frees the slots and retries on the next trigger', async () => {
    const { registry, dispatcher, claims, errors } = setup();
    registry.register('a', () => {}, 2, false);
    dispatcher.activate();
    dispatcher.requestAll();
    await tick();
    const failure = new Error('network');
    claims[0]?.answer.reject(failure);
    await tick();
    expect(errors).toEqual([failure]);
    expect(registry.heldCount).toBe(0);
    expect(claims).toHaveLength(1);
    dispatcher.kick();
    await tick();
    expect(claims).toHaveLength(2);
  });

  it('reports foreign documents and goes on claiming', async () => {
    const { registry, dispatcher, claims, errors, started } = setup();
    registry.register('a', () => {}, 2, false);
    dispatcher.activate();
    dispatcher.request('a');
    await tick();
    const problem = new MonqueError('foreign');
    claims[0]?.answer.resolve({ jobs: jobs('a', 1), errors: [problem], more: true });
    await tick();
    expect(errors).toEqual([problem]);
    expect(started).toHaveLength(1);
    expect(claims.map(({ limit }) => limit)).toEqual([2, 1]);
  });

  it('gives a freed instance-wide slot to another wanted name', async () => {
    const { registry, dispatcher, claims } = setup(1);
    registry.register('a', () => {}, 1, false);
    registry.register('b', () => {}, 1, false);
    dispatcher.activate();
    dispatcher.requestAll();
    await tick();
    expect(claims.map((claim) => claim.name)).toEqual(['a']);
    claims[0]?.answer.resolve({ jobs: [], errors: [], more: false });
    // The freed slot kicks 'b', whose loop then starts one macrotask later.
    await tick();
    await tick();
    expect(claims.map((claim) => claim.name)).toEqual(['a', 'b']);
  });

  it('stops claiming on deactivate() once claims in flight have returned', async () => {
    const { registry, dispatcher, claims, started } = setup();
    registry.register('a', () => {}, 5, false);
    registry.register('b', () => {}, 5, false);
    dispatcher.activate();
    dispatcher.request('a');
    await tick();
    // 'b' is wanted, but its loop has not started yet when the dispatcher is deactivated.
    dispatcher.request('b');
    let stopped = false;
    const stopping = dispatcher.deactivate().then(() => {
      stopped = true;
    });
    await flush();
    expect(stopped).toBe(false);
    claims[0]?.answer.resolve({ jobs: jobs('a', 1), errors: [], more: true });
    await stopping;
    expect(started).toHaveLength(1);
    expect(claims).toHaveLength(1);
    dispatcher.request('a');
    await tick();
    expect(claims).toHaveLength(1);
  });

  it('claims ahead of free slots and starts a waiting job in the next freed slot, with no claim', async () => {
    const { registry, dispatcher, claims, started } = setup(undefined, 4);
    registry.register('a', () => {}, 2, false);
    dispatcher.activate();
    dispatcher.request('a');
    await tick();
    // Two free slots plus four ahead.
    expect(claims.map(({ limit }) => limit)).toEqual([6]);
    const claimed = jobs('a', 6);
    claims[0]?.answer.resolve({ jobs: claimed, errors: [], more: true });
    await tick();
    expect(started).toEqual(claimed.slice(0, 2));
    expect(dispatcher.claimedAhead).toEqual(claimed.slice(2));
    // Still wanted, but no free slot and no room ahead: no claim.
    await tick();
    expect(claims).toHaveLength(1);
    registry.release('a');
    dispatcher.kick();
    // Started in the same turn, oldest first.
    expect(started).toEqual(claimed.slice(0, 3));
    registry.release('a', 2);
    dispatcher.kick();
    expect(started).toEqual(claimed.slice(0, 5));
    expect(dispatcher.claimedAhead).toEqual(claimed.slice(5));
    // One waits: the next round claims the room ahead (three) while every slot is busy.
    await tick();
    expect(claims.map(({ limit }) => limit)).toEqual([6, 3]);
    claims[1]?.answer.resolve({ jobs: jobs('a', 3), errors: [], more: false });
    await tick();
    expect(dispatcher.claimedAhead).toHaveLength(4);
    expect(registry.heldCount).toBe(2);
  });

  it('coalesces requests made while a claim is on its way into one more claim', async () => {
    const { registry, dispatcher, claims } = setup();
    registry.register('a', () => {}, 10, false);
    dispatcher.activate();
    dispatcher.request('a');
    await tick();
    for (let i = 0; i < 20; i += 1) dispatcher.request('a');
    await tick();
    expect(claims).toHaveLength(1);
    claims[0]?.answer.resolve({ jobs: jobs('a', 1), errors: [], more: false });
    await tick();
    expect(claims.map(({ limit }) => limit)).toEqual([10, 9]);
    claims[1]?.answer.resolve({ jobs: [], errors: [], more: false });
    await tick();
    expect(claims).toHaveLength(2);
  });

  it('gives the slot back when a waiting job is not started, and starts the next', async () => {
    const refused = new Set<JobDocument>();
    const { registry, dispatcher, claims, started } = setup(
      undefined,
      2,
      (claimed) => !refused.has(claimed),
    );
    registry.register('a', () => {}, 1, false);
    dispatcher.activate();
    dispatcher.request('a');
    await tick();
    const claimed = jobs('a', 3);
    refused.add(claimed[1] as JobDocument);
    claims[0]?.answer.resolve({ jobs: claimed, errors: [], more: false });
    await tick();
    expect(started).toEqual([claimed[0]]);
    registry.release('a');
    dispatcher.kick();
    expect(started).toEqual([claimed[0], claimed[2]]);
    expect(registry.heldCount).toBe(1);
    expect(dispatcher.claimedAhead).toEqual([]);
  });

  it('starts no waiting job once deactivated, and hands them all out to be handed back', async () => {
    const { registry, dispatcher, claims, started } = setup(undefined, 2);
    registry.register('a', () => {}, 1, false);
    registry.register('b', () => {}, 1, false);
    dispatcher.activate();
    dispatcher.requestAll();
    await tick();
    const a = jobs('a', 3);
    const b = jobs('b', 3);
    claims[0]?.answer.resolve({ jobs: a, errors: [], more: false });
    claims[1]?.answer.resolve({ jobs: b, errors: [], more: false });
    await tick();
    dispatcher.dropClaimedAhead([a[1] as JobDocument]);
    expect(dispatcher.claimedAhead).toEqual([a[2], b[1], b[2]]);
    dispatcher.dropClaimedAhead([a[2] as JobDocument]);
    expect(dispatcher.claimedAhead).toEqual([b[1], b[2]]);
    await dispatcher.deactivate();
    registry.release('a');
    dispatcher.kick();
    expect(started).toEqual([a[0], b[0]]);
    expect(dispatcher.takeClaimedAhead()).toEqual([b[1], b[2]]);
    expect(dispatcher.claimedAhead).toEqual([]);
  });
});
