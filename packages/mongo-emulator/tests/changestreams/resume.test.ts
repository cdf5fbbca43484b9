import type { ChangeStreamDocument } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnyDoc } from './harness.js';
import {
  type Harness,
  nextChange,
  nextStarted,
  nextSuccess,
  openStream,
  startHarness,
  WAIT_MS,
  within,
} from './harness.js';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});

afterAll(async () => {
  await harness.close();
});

function keyOf(change: ChangeStreamDocument): unknown {
  return 'documentKey' in change ? change.documentKey._id : undefined;
}

describe('resuming change streams', () => {
  it('continues without loss or duplicates after the server drops the connection', async () => {
    const collection = harness.client.db('resume').collection<AnyDoc>('dropped_connections');
    const { stream, first } = await openStream(harness.client, () =>
      collection.watch([], { batchSize: 1 }),
    );
    try {
      await collection.insertMany([{ _id: 1 }, { _id: 2 }]);
      const seen = [keyOf(await first), keyOf(await nextChange(stream))];
      const awaiting = nextStarted(harness.client, 'getMore');
      const resumed = nextStarted(harness.client, 'aggregate');
      const pending = stream.next();
      await awaiting;
      harness.emulator.dropConnections();
      const resume = (await resumed).command.pipeline[0].$changeStream;
      expect(resume.resumeAfter).toEqual({ _data: expect.any(String) });
      await collection.insertMany([{ _id: 3 }, { _id: 4 }]);
      seen.push(keyOf(await within(pending, WAIT_MS, 'the change after the resume')));
      seen.push(keyOf(await nextChange(stream)));
      expect(seen).toEqual([1, 2, 3, 4]);
    } finally {
      await stream.close();
    }
  });

  it('resumes after a getMore fails with a resumable error', async () => {
    const collection = harness.client.db('resume').collection<AnyDoc>('fail_point');
    const { stream, first } = await openStream(harness.client, () => collection.watch());
    try {
      await collection.insertOne({ _id: 1 });
      expect(keyOf(await first)).toBe(1);
      await harness.client.db('admin').command({
        configureFailPoint: 'failCommand',
        mode: { times: 1 },
        data: {
          failCommands: ['getMore'],
          errorCode: 6,
          errorLabels: ['ResumableChangeStreamError'],
        },
      });
      const resumed = nextSuccess(harness.client, 'aggregate');
      await collection.insertOne({ _id: 2 });
      expect(keyOf(await nextChange(stream))).toBe(2);
      const command = (await resumed).reply;
      expect(command).toBeDefined();
    } finally {
      await stream.close();
    }
  });

  it('starts at an operation time in the past', async () => {
    const collection = harness.client.db('resume').collection<AnyDoc>('operation_time');
    const session = harness.client.startSession();
    try {
      await collection.insertOne({ _id: 'before' });
      await collection.insertOne({ _id: 'from-here' }, { session });
      const operationTime = session.operationTime;
      expect(operationTime).toBeDefined();
      await collection.insertOne({ _id: 'after' });
      const stream = collection.watch([], { startAtOperationTime: operationTime });
      try {
        const seen = [keyOf(await nextChange(stream)), keyOf(await nextChange(stream))];
        expect(seen).toEqual(['from-here', 'after']);
      } finally {
        await stream.close();
      }
    } finally {
      await session.endSession();
    }
  });

  it('resumes after a token and starts after an invalidate', async () => {
    const db = harness.client.db('resume');
    const collection = db.collection<AnyDoc>('tokens');
    await collection.insertOne({ _id: 0 });
    const { stream, first } = await openStream(harness.client, () => collection.watch());
    let invalidateToken: unknown;
    let firstToken: unknown;
    try {
      await collection.insertOne({ _id: 1 });
      await collection.insertOne({ _id: 2 });
      await db.dropCollection('tokens');
      firstToken = (await first)._id;
      await nextChange(stream);
      expect((await nextChange(stream)).operationType).toBe('drop');
      const invalidate = await nextChange(stream);
      expect(invalidate.operationType).toBe('invalidate');
      invalidateToken = invalidate._id;
    } finally {
      await stream.close();
    }
    const resumed = collection.watch([], { resumeAfter: firstToken });
    try {
      expect(keyOf(await nextChange(resumed))).toBe(2);
    } finally {
      await resumed.close();
    }
    await collection.insertOne({ _id: 'recreated' });
    const after = collection.watch([], { startAfter: invalidateToken });
    try {
      expect(keyOf(await nextChange(after))).toBe('recreated');
    } finally {
      await after.close();
    }
  });

  it('rejects a resume token the server never issued with error 280', async () => {
    const collection = harness.client.db('resume').collection<AnyDoc>('unknown_token');
    const stream = collection.watch([], {
      // Well-formed, but for a log position the server never reached.
      resumeAfter: { _data: `82${'00000001'}${'00000001'}${'0000ffffffffffff'}00` },
    });
    try {
      await expect(stream.next()).rejects.toMatchObject({
        code: 280,
        codeName: 'ChangeStreamFatalError',
      });
    } finally {
      await stream.close();
    }
  });
});
