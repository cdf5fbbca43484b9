import type { Db } from 'mongodb';
import { ObjectId } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { ConnectionError } from '../../src/errors.js';
import type { FindJobsOptions } from '../../src/management/find-jobs.js';
import type { JobFilter } from '../../src/management/job-filter.js';
import { Monque } from '../../src/monque.js';
import { refusal, rejection } from '../setup/refusal.js';
import { networkError } from './fakes.js';

const ID = new ObjectId('65a1f0c2e4b0a1b2c3d4e5f6');

/** A Db whose jobs collection records every call and whose reads and writes fail with `readError`. */
function recordingDb(readError: Error) {
  const calls: string[] = [];
  const failingCursor = (name: string) => ({
    toArray: async () => {
      calls.push(name);
      throw readError;
    },
  });
  const collection = {
    collectionName: 'monque_jobs',
    createIndexes: async () => {
      calls.push('createIndexes');
    },
    findOne: async () => {
      calls.push('findOne');
      throw readError;
    },
    find: () => failingCursor('find'),
    aggregate: () => failingCursor('aggregate'),
    findOneAndUpdate: async () => {
      calls.push('findOneAndUpdate');
      throw readError;
    },
    findOneAndDelete: async () => {
      calls.push('findOneAndDelete');
      throw readError;
    },
    updateMany: async () => {
      calls.push('updateMany');
      throw readError;
    },
    deleteMany: async () => {
      calls.push('deleteMany');
      throw readError;
    },
  };
  const db = {
    collection: () => collection,
    command: async (command: Record<string, unknown>) => {
      calls.push(Object.keys(command)[0] as string);
      return { version: '7.0.0' };
    },
  };
  return { db: db as unknown as Db, calls };
}

describe('Monque read methods (facade)', () => {
  it('refuses bad arguments before sending anything, naming the argument', async () => {
    const { db, calls } = recordingDb(new Error('unreachable'));
    const monque = new Monque(db);
    const cases: Array<[() => Promise<unknown>, string]> = [
      [() => monque.getJob({ $ne: null } as never), 'id'],
      [() => monque.getJob('not-an-id'), 'id'],
      [() => monque.findJobs({ status: { $ne: null } } as unknown as JobFilter), 'filter.status'],
      [() => monque.findJobs({ $where: 'true' } as unknown as JobFilter), 'filter.$where'],
      [
        () => monque.findJobs({ data: { x: { $gt: '' } } } as unknown as JobFilter),
        'filter.data["x"]',
      ],
      [() => monque.findJobs({}, { limit: 0 }), 'options.limit'],
      [() => monque.findJobs({}, { limit: 1001 }), 'options.limit'],
      [
        () => monque.findJobs({}, { limit: { $gt: 0 } } as unknown as FindJobsOptions),
        'options.limit',
      ],
      [() => monque.findJobs({}, { order: 'name' } as unknown as FindJobsOptions), 'options.order'],
      [() => monque.findJobs({}, { cursor: 'abc' }), 'options.cursor'],
      [() => monque.findJobs({}, { cursor: {} } as unknown as FindJobsOptions), 'options.cursor'],
      [() => monque.findJobs({}, { skip: 5 } as unknown as FindJobsOptions), 'options.skip'],
      [() => monque.getStats({ name: { $ne: null } } as never), 'options.name'],
      [() => monque.getStats({ names: ['a'] } as never), 'options.names'],
      [() => monque.getStats('a' as never), 'options'],
    ];
    for (const [action, argument] of cases) {
      expect((await refusal(action)).argument).toBe(argument);
    }
    expect(calls).toEqual([]);
  });

  it('initializes without start(), then wraps a failed read in a ConnectionError', async () => {
    // A network failure: the kind of error Monque reports as a ConnectionError.
    const cause = Object.assign(new Error('connection reset'), { name: 'MongoNetworkError' });
    const { db, calls } = recordingDb(cause);
    const monque = new Monque(db, { recoverStaleJobs: false });
    const reads: Array<[() => Promise<unknown>, string]> = [
      [
        () => monque.getJob(new ObjectId('65a1f0c2e4b0a1b2c3d4e5f6')),
        'could not read job 65a1f0c2e4b0a1b2c3d4e5f6',
      ],
      [() => monque.findJobs(), 'could not list jobs'],
      [() => monque.getStats({ name: 'a' }), 'could not read the queue stats'],
    ];
    for (const [read, message] of reads) {
      const error = await read().then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(ConnectionError);
      expect((error as ConnectionError).message).toBe(`${message}: connection reset`);
      expect((error as ConnectionError).cause).toBe(cause);
    }
    // findJobs() reads the five statuses at once; getStats sends its two aggregations at once.
    expect(calls).toEqual([
      'buildInfo',
      'hello',
      'createIndexes',
      'findOne',
      ...['find', 'find', 'find', 'find', 'find'],
      ...['aggregate', 'aggregate'],
    ]);
  });
});

describe('Monque write methods (facade)', () => {
  it('refuses bad arguments before sending anything, naming the argument', async () => {
    const { db, calls } = recordingDb(new Error('unreachable'));
    const monque = new Monque(db);
    const cases: Array<[() => Promise<unknown>, string]> = [
      [() => monque.retryJob({ $ne: null } as never), 'id'],
      [() => monque.retryJob('65a1f0c2e4b0a1b2c3d4e5f'), 'id'],
      [() => monque.deleteJob({ $where: 'true' } as never), 'id'],
      [() => monque.deleteJob(42 as never), 'id'],
      [() => monque.rescheduleJob({ $gt: '' } as never, new Date()), 'id'],
      [() => monque.rescheduleJob(ID, Date.now() as never), 'runAt'],
      [() => monque.rescheduleJob(ID, new Date(Number.NaN)), 'runAt'],
      [() => monque.rescheduleJob(ID, { $gt: new Date() } as never), 'runAt'],
      [() => monque.retryJobs({}), 'filter'],
      [() => monque.retryJobs({ status: { $in: ['failed'] } } as never), 'filter.status'],
      [() => monque.deleteJobs(undefined as never), 'filter'],
      [() => monque.deleteJobs({ name: 'a' }, { all: 1 } as never), 'options.all'],
      [() => monque.deleteJobs({ name: 'a' }, { force: true } as never), 'options.force'],
      [() => monque.deleteJobs({ name: 'a' }, 'all' as never), 'options'],
    ];
    for (const [action, argument] of cases) {
      expect((await refusal(action)).argument).toBe(argument);
    }
    expect(calls).toEqual([]);
  });

  it('initializes without start(), then wraps a failed write, naming what it did', async () => {
    const cause = networkError('connection reset');
    const { db, calls } = recordingDb(cause);
    const monque = new Monque(db, { recoverStaleJobs: false });
    const writes: Array<[() => Promise<unknown>, string]> = [
      [() => monque.retryJob(ID), 'could not retry job 65a1f0c2e4b0a1b2c3d4e5f6'],
      [
        () => monque.rescheduleJob(ID, new Date()),
        'could not reschedule job 65a1f0c2e4b0a1b2c3d4e5f6',
      ],
      [() => monque.deleteJob(ID), 'could not delete job 65a1f0c2e4b0a1b2c3d4e5f6'],
      [() => monque.retryJobs({ status: 'failed' }), 'could not retry jobs'],
      [() => monque.deleteJobs({ status: 'failed' }), 'could not delete jobs'],
    ];
    let bulk = 0;
    monque.on('jobs:bulk', () => {
      bulk += 1;
    });
    for (const [write, message] of writes) {
      const error = await rejection(write);
      expect(error).toBeInstanceOf(ConnectionError);
      expect((error as ConnectionError).message).toBe(`${message}: connection reset`);
      expect((error as ConnectionError).cause).toBe(cause);
    }
    expect(bulk).toBe(0);
    expect(calls).toEqual([
      'buildInfo',
      'hello',
      'createIndexes',
      'findOneAndUpdate',
      'findOneAndUpdate',
      'findOneAndDelete',
      'updateMany',
      'deleteMany',
    ]);
  });
});
