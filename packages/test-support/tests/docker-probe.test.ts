import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dockerEndpoint, dockerEngineAnswers } from '../src/docker-probe.js';

const servers: Server[] = [];
const folders: string[] = [];

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve, reject) => {
          server.closeAllConnections();
          server.close((error) => (error ? reject(error) : resolve()));
        }),
    ),
  );
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

async function serveOnSocket(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const folder = mkdtempSync(join(tmpdir(), 'docker-probe-'));
  folders.push(folder);
  const socketPath = join(folder, 'docker.sock');
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return socketPath;
}

describe('dockerEndpoint', () => {
  it('defaults to the Unix socket and reads DOCKER_HOST', () => {
    expect(dockerEndpoint({})).toEqual({ kind: 'socket', socketPath: '/var/run/docker.sock' });
    expect(dockerEndpoint({ DOCKER_HOST: 'unix:///tmp/d.sock' })).toEqual({
      kind: 'socket',
      socketPath: '/tmp/d.sock',
    });
    expect(dockerEndpoint({ DOCKER_HOST: 'tcp://10.0.0.2:2376' })).toEqual({
      kind: 'tcp',
      host: '10.0.0.2',
      port: 2376,
    });
    expect(dockerEndpoint({ DOCKER_HOST: 'ssh://user@host' })).toBeUndefined();
  });
});

describe('dockerEngineAnswers', () => {
  it('is true when the engine answers its ping', async () => {
    const socketPath = await serveOnSocket((request, response) => {
      response.statusCode = request.url === '/_ping' ? 200 : 404;
      response.end('OK');
    });
    expect(await dockerEngineAnswers({ kind: 'socket', socketPath })).toBe(true);
  });

  it('is false without a socket, or when nothing answers in time', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'docker-probe-'));
    folders.push(folder);
    expect(await dockerEngineAnswers({ kind: 'socket', socketPath: join(folder, 'none') })).toBe(
      false,
    );
    const silent = await serveOnSocket(() => {
      // Never answers: an engine that hangs counts as no engine.
    });
    expect(await dockerEngineAnswers({ kind: 'socket', socketPath: silent }, 100)).toBe(false);
    expect(await dockerEngineAnswers(undefined)).toBe(false);
  });
});
