import type { JobDocument } from '@monque/core';
import { createJobDocument } from '@monque/core/testing';
import { MongoEmulator } from '@monque/mongo-emulator';
import { openTestDatabase, type TestDatabase } from '@monque/test-support';
import { type Collection, MongoClient } from 'mongodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDashboard, type DashboardHandler } from '../src/index.js';
import { serve, type TestServer } from './support/http.js';
import { idleMonque } from './support/monque.js';
import { EventReader } from './support/sse.js';

const HOUR = 3_600_000;

describe('live overview over Server-Sent Events', () => {
  let database: TestDatabase;
  let jobs: Collection<JobDocument>;
  let dashboard: DashboardHandler;
  let server: TestServer;
  const readers: EventReader[] = [];

  beforeAll(async () => {
    database = await openTestDatabase('dashboard_live');
    jobs = database.db.collection<JobDocument>('jobs');
    // An hour between periodic reads: within the test, only the change stream can bring news.
    dashboard = createDashboard({
      monque: idleMonque(database.db, jobs.collectionName),
      refreshInterval: HOUR,
    });
    server = await serve(dashboard);
  });
  afterEach(async () => {
    for (const reader of readers.splice(0)) await reader.close();
  });
  afterAll(async () => {
    await dashboard.close();
    await server.close();
    await database.cleanup();
  });

  it('pushes new figures when the collection changes', async () => {
    const reader = new EventReader(`${server.url}/events`);
    readers.push(reader);
    const response = await reader.response;
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    await reader.waitFor((event) => event.event === 'mode' && event.data.includes('"live"'));
    await jobs.insertOne(createJobDocument({ name: 'pushed-by-change-stream' }));
    const figures = await reader.waitFor(
      (event) => event.event === 'update' && event.data.includes('pushed-by-change-stream'),
    );
    expect(figures.data).toMatch(
      /data-name="pushed-by-change-stream"[\s\S]*data-status="pending">[^<]*<a [^>]*>1</,
    );
  });

  it('pushes a job’s page when that job changes', async () => {
    const job = createJobDocument({ name: 'followed' });
    await jobs.insertOne(job);
    const reader = new EventReader(`${server.url}/jobs/${job._id.toHexString()}/events`);
    readers.push(reader);
    await reader.waitFor((event) => event.event === 'mode' && event.data.includes('"live"'));
    await jobs.updateOne({ _id: job._id }, { $set: { failReason: 'changed while watched' } });
    await reader.waitFor(
      (event) => event.event === 'update' && event.data.includes('changed while watched'),
    );
    await jobs.deleteOne({ _id: job._id });
    await reader.waitFor(
      (event) => event.event === 'update' && event.data.includes('This job no longer exists.'),
    );
  });

  it('shares one change stream among pages and keeps serving after one leaves', async () => {
    const first = new EventReader(`${server.url}/events`);
    const second = new EventReader(`${server.url}/events`);
    readers.push(second);
    await first.waitFor((event) => event.data.includes('"live"'));
    await second.waitFor((event) => event.data.includes('"live"'));
    await first.close();
    await jobs.insertOne(createJobDocument({ name: 'after-one-left' }));
    await second.waitFor(
      (event) => event.event === 'update' && event.data.includes('after-one-left'),
    );
  });
});

describe('without change streams (a standalone server)', () => {
  let emulator: MongoEmulator;
  let client: MongoClient;

  beforeAll(async () => {
    emulator = await MongoEmulator.start({ port: 0, replicaSet: false });
    client = await new MongoClient(emulator.uri).connect();
  });
  afterAll(async () => {
    await client.close();
    await emulator.stop();
  });

  it('says so and refreshes the figures periodically', async () => {
    const jobs = client.db('standalone').collection<JobDocument>('jobs');
    const errors: Error[] = [];
    const dashboard = createDashboard({
      monque: idleMonque(client.db('standalone'), 'jobs'),
      refreshInterval: 100,
      onError: (error) => errors.push(error),
    });
    const server = await serve(dashboard);
    const reader = new EventReader(`${server.url}/events`);
    try {
      const mode = await reader.waitFor(
        (event) => event.event === 'mode' && event.data.includes('polling'),
      );
      expect(JSON.parse(mode.data)).toEqual({
        type: 'mode',
        mode: 'polling',
        reason:
          'change streams need a replica set or a sharded cluster; figures refresh periodically',
      });
      await jobs.insertOne(createJobDocument({ name: 'found-by-refresh' }));
      await reader.waitFor(
        (event) => event.event === 'update' && event.data.includes('found-by-refresh'),
      );
      expect(errors).toEqual([]);
    } finally {
      await reader.close();
      await dashboard.close();
      await server.close();
    }
  });
});
