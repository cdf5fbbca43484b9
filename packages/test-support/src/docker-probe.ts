import { request } from 'node:http';

/** Where a Docker engine's API would answer. */
export type DockerEndpoint =
  | { kind: 'socket'; socketPath: string }
  | { kind: 'tcp'; host: string; port: number };

/** The endpoint named by `DOCKER_HOST` (unix:// or tcp://), else the default Unix socket. */
export function dockerEndpoint(env: NodeJS.ProcessEnv = process.env): DockerEndpoint | undefined {
  const dockerHost = env.DOCKER_HOST;
  if (dockerHost === undefined || dockerHost === '') {
    return { kind: 'socket', socketPath: '/var/run/docker.sock' };
  }
  if (dockerHost.startsWith('unix://')) {
    return { kind: 'socket', socketPath: dockerHost.slice('unix://'.length) };
  }
  if (dockerHost.startsWith('tcp://')) {
    const url = new URL(`http://${dockerHost.slice('tcp://'.length)}`);
    return { kind: 'tcp', host: url.hostname, port: Number(url.port || 2375) };
  }
  return undefined;
}

/**
 * True when a Docker engine answers `GET /_ping` within `timeoutMs`. A `docker` CLI without a
 * running engine, a missing socket or a slow engine all count as no Docker.
 */
export function dockerEngineAnswers(
  endpoint: DockerEndpoint | undefined = dockerEndpoint(),
  timeoutMs = 1000,
): Promise<boolean> {
  if (endpoint === undefined) return Promise.resolve(false);
  return new Promise<boolean>((resolve) => {
    const target =
      endpoint.kind === 'socket'
        ? { socketPath: endpoint.socketPath }
        : { host: endpoint.host, port: endpoint.port };
    const probe = request(
      { ...target, path: '/_ping', method: 'GET', timeout: timeoutMs },
      (response) => {
        response.resume();
        resolve(response.statusCode === 200);
      },
    );
    probe.on('timeout', () => {
      probe.destroy();
      resolve(false);
    });
    // A refused or missing socket is the expected "no Docker" answer, not a failure.
    probe.on('error', () => resolve(false));
    probe.end();
  });
}
