import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MongoEmulator } from '../../src/server.js';
import type { AnyDoc } from './harness.js';
import { type Harness, startHarness, WAIT_MS } from './harness.js';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});

afterAll(async () => {
  await harness.close();
});

async function openError(pipeline: object[], options: object = {}): Promise<unknown> {
  const stream = harness.client.db('options').collection<AnyDoc>('c').watch(pipeline, options);
  try {
    await stream.next();
  } catch (error) {
    return error;
  } finally {
    await stream.close();
  }
  throw new Error('the change stream opened');
}

describe('change stream options and errors', () => {
  it('answers error 40573 on a standalone server', async () => {
    const standalone = await MongoEmulator.start({ port: 0, replicaSet: false });
    const client = new MongoClient(standalone.uri, { serverSelectionTimeoutMS: WAIT_MS });
    try {
      const stream = client.db('options').collection<AnyDoc>('c').watch();
      await expect(stream.next()).rejects.toMatchObject({
        code: 40573,
        codeName: 'Location40573',
        message: 'The $changeStream stage is only supported on replica sets',
      });
      await stream.close();
    } finally {
      await client.close();
      await standalone.stop();
    }
  });

  it('answers 40324 for an unknown stage and "not supported" for other stages', async () => {
    expect(await openError([{ $unsupported: 1 }])).toMatchObject({ code: 40324 });
    expect(await openError([{ $group: { _id: null } }])).toMatchObject({
      code: 115,
      message: expect.stringContaining('not supported by mongo-emulator'),
    });
  });

  it('answers "not supported" for the fullDocument modes it does not implement', async () => {
    for (const fullDocument of ['whenAvailable', 'required'] as const) {
      expect(await openError([], { fullDocument })).toMatchObject({ code: 115 });
    }
    expect(await openError([], { fullDocumentBeforeChange: 'whenAvailable' })).toMatchObject({
      code: 115,
    });
  });

  it('fails the stream with 280 when the pipeline removes _id', async () => {
    const collection = harness.client.db('options').collection<AnyDoc>('projection');
    const stream = collection.watch([{ $project: { _id: 0 } }]);
    try {
      const failure = stream.next();
      failure.catch(() => undefined);
      await collection.insertOne({ _id: 1 });
      await expect(failure).rejects.toMatchObject({
        code: 280,
        codeName: 'ChangeStreamFatalError',
        errorLabels: expect.arrayContaining(['NonResumableChangeStreamError']),
      });
    } finally {
      await stream.close();
    }
  });
});
