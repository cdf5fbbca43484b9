import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JobDocument } from '@monque/core';
import { createJobDocument } from '@monque/core/testing';
import { openTestDatabase, type TestDatabase } from '@monque/test-support';
import express from 'express';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import type { Collection } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDashboard } from '../src/index.js';
import { csrfTokenOf, TestClient } from './support/http.js';
import { idleMonque } from './support/monque.js';

let database: TestDatabase;
let jobs: Collection<JobDocument>;

beforeAll(async () => {
  database = await openTestDatabase('dashboard_frameworks');
  jobs = database.db.collection<JobDocument>('jobs');
});
afterAll(() => database.cleanup());

/** Lists jobs, then retries a failed one through its confirmation form. */
async function exercise(base: string): Promise<void> {
  const job = createJobDocument({ name: 'mounted', status: 'failed' });
  await jobs.insertOne(job);
  const client = new TestClient(base);
  const overview = await client.page('/admin/queue');
  expect(overview.status).toBe(200);
  expect(overview.html).toContain('href="/admin/queue/jobs?name=mounted"');
  const script = /<script src="([^"]+)"/.exec(overview.html)?.[1] ?? '';
  expect((await client.request(script)).status).toBe(200);
  const id = job._id.toHexString();
  const confirm = await client.page(`/admin/queue/jobs/${id}/retry`);
  const result = await client.post(`/admin/queue/jobs/${id}/retry`, {
    csrf: csrfTokenOf(confirm.html),
  });
  expect(result.status).toBe(200);
  expect(result.html).toContain('Retried');
  expect((await jobs.findOne({ _id: job._id }))?.status).toBe('pending');
  expect((await client.page('/admin/queue/jobs/none')).status).toBe(404);
}

describe('Express', () => {
  for (const parsesForms of [false, true]) {
    it(`mounts with app.use (${parsesForms ? 'after' : 'without'} express.urlencoded)`, async () => {
      const dashboard = createDashboard({
        monque: idleMonque(database.db, jobs.collectionName),
        basePath: '/admin/queue',
      });
      const app = express();
      if (parsesForms) app.use(express.urlencoded({ extended: false }));
      app.use('/admin/queue', dashboard);
      app.get('/health', (_req, res) => {
        res.send('ok');
      });
      const server: Server = await new Promise((resolve) => {
        const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
      });
      try {
        const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        await exercise(base);
        expect(await (await fetch(`${base}/health`)).text()).toBe('ok');
      } finally {
        await dashboard.close();
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    });
  }
});

describe('Fastify', () => {
  it('mounts in a scope that leaves form bodies to the dashboard', async () => {
    const dashboard = createDashboard({
      monque: idleMonque(database.db, jobs.collectionName),
      basePath: '/admin/queue',
    });
    const app = Fastify();
    const handle = (request: FastifyRequest, reply: FastifyReply): void => {
      reply.hijack();
      dashboard(request.raw, reply.raw);
    };
    await app.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', (_request, _payload, done) => done(null));
      scope.all('/admin/queue', handle);
      scope.all('/admin/queue/*', handle);
    });
    app.get('/health', async () => 'ok');
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      await exercise(address);
      expect(await (await fetch(`${address}/health`)).text()).toBe('ok');
    } finally {
      await dashboard.close();
      await app.close();
    }
  });
});
