import { MongoClient, MongoServerError, type ObjectId } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startTestEmulator,
  TEST_CLIENT_OPTIONS,
  type TestEmulator,
} from '../helpers/start-test-emulator.js';

/**
 * The subject here is uniqueness, not speed: 1000 commands through 50 connections to a server in
 * the same process can keep it from answering the driver's monitoring for seconds on a busy
 * machine, so the client waits as long as the case may take instead of failing fast.
 */
const PATIENT_MS = 60_000;

let env: TestEmulator;
let pooled: MongoClient;
beforeAll(async () => {
  env = await startTestEmulator();
  pooled = new MongoClient(env.uri, {
    ...TEST_CLIENT_OPTIONS,
    serverSelectionTimeoutMS: PATIENT_MS,
    connectTimeoutMS: PATIENT_MS,
    maxPoolSize: 50,
    minPoolSize: 50,
  });
  await pooled.connect();
});
afterAll(async () => {
  await pooled.close();
  await env.stop();
});

/**
 * Each case sends 1000 commands through 50 connections and checks the outcome, not the time it
 * takes: on a loaded machine that takes several seconds. The limit only stops a hung case.
 */
const CASE_TIMEOUT_MS = 2 * PATIENT_MS;

describe('concurrency acceptance', () => {
  it(
    '1000 concurrent upserts against a partial unique index produce exactly one document',
    async () => {
      const jobs = pooled.db('acc').collection('jobs');
      await jobs.createIndex(
        { name: 1, uniqueKey: 1 },
        {
          unique: true,
          partialFilterExpression: {
            uniqueKey: { $exists: true },
            status: { $in: ['pending', 'processing'] },
          },
        },
      );
      const upsert = async (i: number): Promise<ObjectId> => {
        for (;;) {
          try {
            const doc = await jobs.findOneAndUpdate(
              { name: 'report', uniqueKey: 'k1', status: { $in: ['pending', 'processing'] } },
              { $setOnInsert: { name: 'report', uniqueKey: 'k1', status: 'pending', caller: i } },
              { upsert: true, returnDocument: 'after' },
            );
            if (doc === null) throw new Error('upsert returned no document');
            return doc._id;
          } catch (error) {
            if (error instanceof MongoServerError && error.code === 11000) {
              continue;
            }
            throw error;
          }
        }
      };
      const ids = await Promise.all(Array.from({ length: 1000 }, (_, i) => upsert(i)));
      expect(new Set(ids.map((id) => id.toHexString())).size).toBe(1);
      expect(await jobs.countDocuments({ name: 'report', uniqueKey: 'k1' })).toBe(1);
    },
    CASE_TIMEOUT_MS,
  );

  it(
    'losers of an upsert race through a non-matching filter get 11000 and find the winner on retry',
    async () => {
      const jobs = pooled.db('acc').collection('race');
      await jobs.createIndex(
        { name: 1, uniqueKey: 1 },
        { unique: true, partialFilterExpression: { uniqueKey: { $exists: true } } },
      );
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          jobs
            .findOneAndUpdate(
              { name: 'n', uniqueKey: 'u', attempt: i },
              { $setOnInsert: { status: 'pending' } },
              { upsert: true, returnDocument: 'after' },
            )
            .then(
              () => 'won',
              (error: unknown) => {
                if (error instanceof MongoServerError && error.code === 11000) return 'lost';
                throw error;
              },
            ),
        ),
      );
      expect(results.filter((r) => r === 'won')).toHaveLength(1);
      expect(results.filter((r) => r === 'lost')).toHaveLength(199);
      const winner = await jobs.findOne({ name: 'n', uniqueKey: 'u' });
      expect(winner?.status).toBe('pending');
    },
    CASE_TIMEOUT_MS,
  );

  it(
    '1000 concurrent claims of 100 documents never hand one document to two callers',
    async () => {
      const jobs = pooled.db('acc').collection('claims');
      const base = Date.UTC(2024, 0, 1);
      await jobs.insertMany(
        Array.from({ length: 100 }, (_, i) => ({
          status: 'pending',
          nextRunAt: new Date(base + i * 1000),
        })),
      );
      const claims = await Promise.all(
        Array.from({ length: 1000 }, (_, i) =>
          jobs.findOneAndUpdate(
            { status: 'pending' },
            { $set: { status: 'processing', claimedBy: i } },
            { sort: { nextRunAt: 1 }, returnDocument: 'after' },
          ),
        ),
      );
      const won = claims.filter((c) => c !== null);
      expect(won).toHaveLength(100);
      expect(claims.filter((c) => c === null)).toHaveLength(900);
      expect(new Set(won.map((c) => c?._id.toHexString())).size).toBe(100);
      const stored = await jobs.find({}).toArray();
      for (const doc of stored) {
        const claim = won.find((c) => c?._id.equals(doc._id));
        expect(doc.claimedBy).toBe(claim?.claimedBy);
      }
      expect(await jobs.countDocuments({ status: 'processing' })).toBe(100);
    },
    CASE_TIMEOUT_MS,
  );
});
