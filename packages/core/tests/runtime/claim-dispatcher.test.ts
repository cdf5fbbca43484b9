import { ObjectId } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { ClaimDispatcher } from '../../src/claim/claim-dispatcher.js';
import type { ClaimResult } from '../../src/claim/claim-job.js';
import { MonqueError } from '../../src/errors.js';
import type { JobDocument } from '../../src/jobs/job.js';
import { WorkerRegistry } from '../../src/workers/worker-registry.js';
import { deferred, flush } from './fakes.js';

function job(name: string): JobDocument {
  return { _id: new ObjectId(), name } as JobDocument;
}

function setup(maxConcurrency?: number) {
  const registry = new WorkerRegistry(maxConcurrency);
  const claims: { name: string; answer: ReturnType<typeof deferred<ClaimResult>> }[] = [];
  const started: JobDocument[] = [];
  const errors: unknown[] = [];
  const dispatcher = new ClaimDispatcher({
    registry,
    claim: (name) => {
      const answer = deferred<ClaimResult>();
      claims.push({ name, answer });
      return answer.promise;
    },
    start: (claimed) => started.push(claimed),
    onError: (error) => errors.push(error),
  });
  return { registry, dispatcher, claims, started, errors };
}

describe('ClaimDispatcher', () => {
  it('claims while wanted and a slot is free, one claim at a time per name', async () => {
    const { registry, dispatcher, claims, started } = setup();
    registry.register('a', () => {}, 2, false);
    dispatcher.request('a');
    expect(claims).toHaveLength(0);
    dispatcher.activate();
    expect(claims).toHaveLength(1);
    dispatcher.request('a');
    expect(claims).toHaveLength(1);
    claims[0]?.answer.resolve({ kind: 'job', job: job('a') });
    await flush();
    expect(claims).toHaveLength(2);
    claims[1]?.answer.resolve({ kind: 'job', job: job('a') });
    await flush();
    expect(started).toHaveLength(2);
    expect(claims).toHaveLength(2);
    registry.release('a');
    dispatcher.kick();
    expect(claims).toHaveLength(3);
    claims[2]?.answer.resolve({ kind: 'none' });
    await flush();
    expect(claims).toHaveLength(3);
    expect(registry.heldCount).toBe(1);
  });

  it('ignores unregistered names', () => {
    const { dispatcher, claims } = setup();
    dispatcher.activate();
    dispatcher.request('nobody');
    dispatcher.kick();
    expect(claims).toHaveLength(0);
  });

  it('reports a failed claim, frees the slot and retries on the next trigger', async () => {
    const { registry, dispatcher, claims, errors } = setup();
    registry.register('a', () => {}, 1, false);
    dispatcher.activate();
    dispatcher.requestAll();
    const failure = new Error('network');
    claims[0]?.answer.reject(failure);
    await flush();
    expect(errors).toEqual([failure]);
    expect(registry.heldCount).toBe(0);
    expect(claims).toHaveLength(1);
    dispatcher.kick();
    expect(claims).toHaveLength(2);
  });

  it('reports a foreign document and goes on claiming', async () => {
    const { registry, dispatcher, claims, errors } = setup();
    registry.register('a', () => {}, 1, false);
    dispatcher.activate();
    dispatcher.request('a');
    const problem = new MonqueError('foreign');
    claims[0]?.answer.resolve({ kind: 'foreign', error: problem });
    await flush();
    expect(errors).toEqual([problem]);
    expect(claims).toHaveLength(2);
  });

  it('gives a freed instance-wide slot to another wanted name', async () => {
    const { registry, dispatcher, claims } = setup(1);
    registry.register('a', () => {}, 1, false);
    registry.register('b', () => {}, 1, false);
    dispatcher.activate();
    dispatcher.requestAll();
    expect(claims.map((claim) => claim.name)).toEqual(['a']);
    claims[0]?.answer.resolve({ kind: 'none' });
    await flush();
    expect(claims.map((claim) => claim.name)).toEqual(['a', 'b']);
  });

  it('stops claiming on deactivate() once claims in flight have returned', async () => {
    const { registry, dispatcher, claims, started } = setup();
    registry.register('a', () => {}, 5, false);
    dispatcher.activate();
    dispatcher.request('a');
    let stopped = false;
    const stopping = dispatcher.deactivate().then(() => {
      stopped = true;
    });
    await flush();
    expect(stopped).toBe(false);
    claims[0]?.answer.resolve({ kind: 'job', job: job('a') });
    await stopping;
    expect(started).toHaveLength(1);
    expect(claims).toHaveLength(1);
    dispatcher.request('a');
    expect(claims).toHaveLength(1);
  });
});
