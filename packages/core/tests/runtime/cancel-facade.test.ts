import type { Collection, Db } from 'mongodb';
import { ObjectId } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { ConnectionError, InvalidArgumentError, MonqueError } from '../../src/errors.js';
import type { JobDocument } from '../../src/jobs/job.js';
import { cancelJob, MAX_CANCEL_ATTEMPTS } from '../../src/management/cancel-job.js';
import type { JobFilter } from '../../src/management/job-filter.js';
import { Monque } from '../../src/monque.js';
import { createJobDocument } from '../../src/testing/create-job-document.js';
import { networkError } from './fakes.js';

/** A Db whose jobs collection records every call and fails every write with a network error. */
function failingDb() {
  const calls: string[] = [];
  const fail = (name: string) => async () => {
    calls.push(name);
    throw networkError(`${name} failed`);
  };
  const collection = {
    collectionName: 'monque_jobs',
    createIndexes: async () => {
      calls.push('createIndexes');
    },
    findOneAndUpdate: fail('findOneAndUpdate'),
    updateOne: fail('updateOne'),
    updateMany: fail('updateMany'),
    find: () => ({ toArray: fail('find') }),
  };
  const db = {
    collection: () => collection,
    command: async () => ({ version: '7.0.0' }),
  } as unknown as Db;
  return { db, calls };
}

async function rejection(action: () => Promise<unknown>): Promise<Error> {
  const error = await action().then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

describe('cancelJob, cancelJobs and unschedule (facade)', () => {
  it('refuse bad arguments before sending anything, naming the argument', async () => {
    const { db, calls } = failingDb();
    const monque = new Monque(db);
    const cases: Array<[() => Promise<unknown>, string]> = [
      [() => monque.cancelJob({ $ne: null } as never), 'id'],
      [() => monque.cancelJobs(undefined as never), 'filter'],
      [() => monque.cancelJobs({}), 'filter'],
      [() => monque.cancelJobs({ status: { $ne: 'x' } } as unknown as JobFilter), 'filter.status'],
      [() => monque.cancelJobs({ name: 'a' }, 'all' as never), 'options'],
      [() => monque.cancelJobs({ name: 'a' }, { every: true } as never), 'options.every'],
      [() => monque.unschedule('' as never), 'name'],
      [() => monque.unschedule('a', { key: 5 } as never), 'options.key'],
      [() => monque.unschedule('a', { uniqueKey: 'a' } as never), 'options.uniqueKey'],
    ];
    for (const [action, argument] of cases) {
      const error = await rejection(action);
      expect(error, argument).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).argument).toBe(argument);
    }
    expect(calls).toEqual([]);
  });

  it('report a failed write as a ConnectionError naming what they did', async () => {
    const { db } = failingDb();
    // No stale recovery at initialization: its write would fail first.
    const monque = new Monque(db, { recoverStaleJobs: false });
    const id = new ObjectId();
    const cases: Array<[() => Promise<unknown>, RegExp]> = [
      [
        () => monque.cancelJob(id),
        new RegExp(`^could not cancel job ${id.toHexString()}: findOneAndUpdate failed`),
      ],
      [() => monque.cancelJobs({ name: 'a' }), /^could not cancel jobs: /],
      [() => monque.unschedule('a'), /^could not unschedule job "a": updateOne failed/],
    ];
    for (const [action, message] of cases) {
      const error = await rejection(action);
      expect(error).toBeInstanceOf(ConnectionError);
      expect(error.message).toMatch(message);
    }
  });
});

describe('cancelJob (operation)', () => {
  it('gives up when the job changes state between every read and write', async () => {
    let reads = 0;
    const collection = {
      findOneAndUpdate: async () => null,
      findOne: async () => {
        reads += 1;
        return createJobDocument({ status: reads % 2 === 0 ? 'processing' : 'pending' });
      },
    } as unknown as Collection<JobDocument>;
    const error = await rejection(() => cancelJob(collection, new ObjectId(), new Date()));
    expect(error).toBeInstanceOf(MonqueError);
    expect(error.message).toMatch(`it changed state ${MAX_CANCEL_ATTEMPTS} times`);
    expect(reads).toBe(MAX_CANCEL_ATTEMPTS);
  });
});
