/**
 * Graceful shutdown in an HTTP service: `POST /signups` enqueues a job; on SIGTERM (what container
 * platforms send) the server stops taking requests, in-flight jobs finish, then the process exits.
 */
import { createServer } from 'node:http';
import { Monque } from '@monque/core';
import { openExampleDatabase } from './database.js';

type Jobs = { 'welcome-email': { email: string } };

const { db, close } = await openExampleDatabase('http_service');
const monque = new Monque<Jobs>(db, { shutdownTimeout: 10_000 });

monque.worker('welcome-email', async (job, { signal }) => {
  if (signal.aborted) return;
  console.log(`processed welcome email for ${job.data.email}`);
});
monque.on('job:error', ({ error }) => console.error('job error:', error.message));

const server = createServer((request, response) => {
  if (request.method !== 'POST' || request.url !== '/signups') {
    response.writeHead(404).end();
    return;
  }
  let body = '';
  request.on('data', (chunk: Buffer) => {
    body += chunk.toString();
  });
  request.on('end', () => {
    const { email } = JSON.parse(body) as { email: string };
    monque.enqueue('welcome-email', { email }).then(
      ({ job }) =>
        response
          .writeHead(202, { 'content-type': 'application/json' })
          .end(JSON.stringify({ id: job._id })),
      (error: unknown) => response.writeHead(400).end(String(error)),
    );
  });
});

await monque.start();
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  console.log(`listening on http://127.0.0.1:${port}`);
});

process.once('SIGTERM', () => {
  console.log('SIGTERM: closing the HTTP server and stopping the scheduler');
  server.close();
  monque
    .stop()
    .then(close)
    .then(() => console.log('stopped gracefully'))
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
});
