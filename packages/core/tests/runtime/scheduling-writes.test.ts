import type { Collection } from 'mongodb';
import { MongoServerError, ObjectId } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { MonqueError } from '../../src/errors.js';
import type { JobDocument } from '../../src/jobs/job.js';
import { readCallOptions } from '../../src/runtime/call-options.js';
import { parseCron } from '../../src/scheduling/cron.js';
import { MAX_UPSERT_ATTEMPTS, upsertUniqueJob } from '../../src/scheduling/insert-job.js';
import { adoptLegacySchedule, scheduleRecurringJob } from '../../src/scheduling/schedule-job.js';

const duplicateKey = () => new MongoServerError({ code: 11000, errmsg: 'E11000 duplicate key' });

function storedJob(overrides: Partial<JobDocument> = {}): JobDocument {
  const now = new Date();
  return {
    _id: new ObjectId(),
    name: 'n',
    data: null,
    status: 'pending',
    nextRunAt: now,
    lockedAt: null,
    claimedBy: null,
    lastHeartbeat: null,
    heartbeatInterval: null,
    failCount: 0,
    failReason: null,
    repeatInterval: '0 * * * *',
    timezone: null,
    scheduleKey: 'n',
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}

/**
 * A collection whose findOneAndUpdate answers from a script, one answer per call; updateOne (the
 * adoption of a legacy schedule) answers `adopt` and deleteOne records its filter.
 */
function scripted(answers: (() => unknown)[], adopt: () => unknown = () => ({ matchedCount: 0 })) {
  const calls: unknown[][] = [];
  const adoptions: unknown[][] = [];
  const deletions: unknown[] = [];
  const collection = {
    findOneAndUpdate: async (...args: unknown[]) => {
      calls.push(args);
      const answer = answers.shift();
      if (answer === undefined) throw new Error('unexpected call');
      return answer();
    },
    updateOne: async (...args: unknown[]) => {
      adoptions.push(args);
      return adopt();
    },
    deleteOne: async (filter: unknown) => {
      deletions.push(filter);
      return { deletedCount: 1 };
    },
  } as unknown as Collection<JobDocument>;
  return { collection, calls, adoptions, deletions };
}

describe('upsertUniqueJob', () => {
  it('retries after losing a duplicate-key race and returns the winner', async () => {
    const winner = storedJob();
    const { collection, calls } = scripted([
      () => {
        throw duplicateKey();
      },
      () => ({ value: winner, lastErrorObject: { updatedExisting: true } }),
    ]);
    const result = await upsertUniqueJob(collection, 'n', { uniqueKey: 'k' }, { $setOnInsert: {} });
    expect(result).toEqual({ job: winner, created: false });
    expect(calls).toHaveLength(2);
  });

  it('gives up after MAX_UPSERT_ATTEMPTS duplicate-key errors and rethrows other errors', async () => {
    const { collection, calls } = scripted(
      Array.from({ length: MAX_UPSERT_ATTEMPTS }, () => () => {
        throw duplicateKey();
      }),
    );
    await expect(upsertUniqueJob(collection, 'n', { uniqueKey: 'k' }, {})).rejects.toBeInstanceOf(
      MongoServerError,
    );
    expect(calls).toHaveLength(MAX_UPSERT_ATTEMPTS);
    const other = new Error('other');
    const { collection: failing } = scripted([
      () => {
        throw other;
      },
    ]);
    await expect(upsertUniqueJob(failing, 'n', { uniqueKey: 'k' }, {})).rejects.toBe(other);
  });

  it('reports an upsert that returned no document, and reads a missing metadata as inserted', async () => {
    const { collection } = scripted([() => ({ value: null })]);
    await expect(upsertUniqueJob(collection, 'n', { uniqueKey: 'k' }, {})).rejects.toBeInstanceOf(
      MonqueError,
    );
    const job = storedJob();
    const { collection: inserted } = scripted([() => ({ value: job })]);
    await expect(upsertUniqueJob(inserted, 'n', { uniqueKey: 'k' }, {})).resolves.toEqual({
      job,
      created: true,
    });
  });
});

describe('scheduleRecurringJob', () => {
  it('reads again when the job changed state during the update, and gives up eventually', async () => {
    const schedule = parseCron('30 * * * *');
    const existing = storedJob();
    const updated = storedJob({ repeatInterval: '30 * * * *' });
    const upserted = () => ({ value: existing, lastErrorObject: { updatedExisting: true } });
    const { collection, calls } = scripted([upserted, () => null, upserted, () => updated]);
    const recurring = { name: 'n', data: null, key: 'n', schedule, timezone: undefined };
    await expect(scheduleRecurringJob(collection, recurring)).resolves.toBe(updated);
    expect(calls).toHaveLength(4);

    const script = Array.from({ length: MAX_UPSERT_ATTEMPTS }, () => [upserted, () => null]).flat();
    const { collection: busy } = scripted(script);
    await expect(scheduleRecurringJob(busy, recurring)).rejects.toThrow(/changed state/);
  });

  it('does not move nextRunAt of a running job', async () => {
    const schedule = parseCron('30 * * * *');
    const running = storedJob({ status: 'processing' });
    const { collection, calls } = scripted([
      () => ({ value: running, lastErrorObject: { updatedExisting: true } }),
      () => running,
    ]);
    await scheduleRecurringJob(collection, {
      name: 'n',
      data: null,
      key: 'n',
      schedule,
      timezone: undefined,
    });
    expect(calls[1]?.[0]).toEqual({ _id: running._id, status: 'processing' });
    expect(calls[1]?.[1]).toEqual({
      $set: {
        data: null,
        repeatInterval: '30 * * * *',
        timezone: null,
        priority: 0,
        updatedAt: expect.any(Date),
      },
    });
  });
});

describe('adoptLegacySchedule', () => {
  const legacyFilter = {
    name: 'n',
    uniqueKey: 'k',
    status: { $in: ['pending', 'processing'] },
    repeatInterval: { $type: 'string' },
  };

  it('moves the key of an active recurring job from uniqueKey to scheduleKey', async () => {
    const { collection, adoptions, deletions } = scripted([]);
    await adoptLegacySchedule(collection, 'n', 'k');
    expect(adoptions).toEqual([
      [legacyFilter, { $set: { scheduleKey: 'k' }, $unset: { uniqueKey: '' } }, {}],
    ]);
    expect(deletions).toEqual([]);
  });

  it('deletes a pending old copy of a schedule that exists under scheduleKey, and rethrows other errors', async () => {
    const { collection, deletions } = scripted([], () => {
      throw duplicateKey();
    });
    await adoptLegacySchedule(collection, 'n', 'k');
    expect(deletions).toEqual([{ ...legacyFilter, status: 'pending' }]);
    const other = new Error('other');
    const { collection: failing, deletions: none } = scripted([], () => {
      throw other;
    });
    await expect(adoptLegacySchedule(failing, 'n', 'k')).rejects.toBe(other);
    expect(none).toEqual([]);
  });
});

describe('readCallOptions', () => {
  it('accepts undefined and known keys, and copies the values', () => {
    expect(readCallOptions(undefined, ['a'])).toEqual({});
    const given = { a: 1 };
    const read = readCallOptions(given, ['a', 'b']);
    expect(read).toEqual({ a: 1 });
    expect(read).not.toBe(given);
  });

  it.each([null, 'x', 5, []])('rejects %j', (value) => {
    expect(() => readCallOptions(value, ['a'])).toThrow(/Invalid options: must be an object/);
  });

  it('rejects an unknown key by name', () => {
    expect(() => readCallOptions({ runat: 1 }, ['runAt'], 'opts')).toThrow(/Invalid opts\.runat/);
  });
});
