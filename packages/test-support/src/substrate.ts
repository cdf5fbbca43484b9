import { type DockerEndpoint, dockerEndpoint, dockerEngineAnswers } from './docker-probe.js';

/** Which database server the integration tests run on. */
export type Substrate = 'MONGODB_URI' | 'testcontainers' | 'emulator';

/** The substrate a run uses, and why it was chosen (for the run's first line). */
export interface SubstrateChoice {
  substrate: Substrate;
  /** Why: "MONGODB_URI is set", "a Docker engine answered at …", or why neither applied. */
  reason: string;
}

/** The run's shared server. */
export interface TestServer {
  uri: string;
  substrate: Substrate;
}

/** The image Testcontainers starts (the same MongoDB as the project's docker-compose.yml). */
export const MONGODB_IMAGE = 'mongo:8.0';

/** How long the Docker probe waits for the engine's answer. */
export const DOCKER_PROBE_TIMEOUT_MS = 1000;

/**
 * `mongod` arguments added to the container's own (`--replSet rs0`): the test commands, so that
 * fault-injection tests (`configureFailPoint: 'failCommand'`) run on Testcontainers too instead
 * of skipping. `@testcontainers/mongodb` has no option for server parameters and sets the command
 * itself in `start()`, through `withCommand`; see `startTestcontainers`.
 */
export const TEST_COMMAND_ARGUMENTS = ['--setParameter', 'enableTestCommands=1'] as const;

/** Where a Docker engine was looked for, as `DOCKER_HOST` would name it. */
function endpointName(endpoint: DockerEndpoint): string {
  return endpoint.kind === 'socket'
    ? `unix://${endpoint.socketPath}`
    : `tcp://${endpoint.host}:${endpoint.port}`;
}

/** What {@link chooseSubstrate} needs besides the environment (replaced in tests). */
export interface SubstrateProbe {
  dockerAnswers(endpoint: DockerEndpoint): Promise<boolean>;
}

const DOCKER_PROBE: SubstrateProbe = {
  dockerAnswers: (endpoint) => dockerEngineAnswers(endpoint, DOCKER_PROBE_TIMEOUT_MS),
};

/**
 * Chooses the substrate: `MONGODB_URI` if set → Testcontainers if a Docker engine answers → the
 * emulator, with the reason. Starts nothing.
 */
export async function chooseSubstrate(
  env: NodeJS.ProcessEnv = process.env,
  probe: SubstrateProbe = DOCKER_PROBE,
): Promise<SubstrateChoice> {
  if (env.MONGODB_URI !== undefined && env.MONGODB_URI !== '') {
    return { substrate: 'MONGODB_URI', reason: 'MONGODB_URI is set' };
  }
  const endpoint = dockerEndpoint(env);
  if (endpoint === undefined) {
    return {
      substrate: 'emulator',
      reason: `MONGODB_URI is not set and DOCKER_HOST (${env.DOCKER_HOST}) is neither unix:// nor tcp://`,
    };
  }
  if (await probe.dockerAnswers(endpoint)) {
    return {
      substrate: 'testcontainers',
      reason: `MONGODB_URI is not set and a Docker engine answered at ${endpointName(endpoint)}`,
    };
  }
  return {
    substrate: 'emulator',
    reason:
      `MONGODB_URI is not set and no Docker engine answered at ${endpointName(endpoint)} ` +
      `within ${DOCKER_PROBE_TIMEOUT_MS} ms`,
  };
}

/** What a substrate is, in words. */
export function substrateName(substrate: Substrate): string {
  switch (substrate) {
    case 'MONGODB_URI':
      return 'the server at MONGODB_URI';
    case 'testcontainers':
      return `a Testcontainers MongoDB replica set (${MONGODB_IMAGE}, test commands enabled)`;
    case 'emulator':
      return 'the in-process mongo-emulator (a replica set in each test worker)';
  }
}

/** The run's first line: `integration tests run on <what> because <why>`. */
export function describeChoice(choice: SubstrateChoice): string {
  return `integration tests run on ${substrateName(choice.substrate)} because ${choice.reason}`;
}

/** Starts a MongoDB container with the test commands enabled; resolves with its URI. */
export async function startTestcontainers(): Promise<string> {
  const { MongoDBContainer } = await import('@testcontainers/mongodb');
  class MongoDBWithTestCommands extends MongoDBContainer {
    override withCommand(command: string[]): this {
      return super.withCommand([...command, ...TEST_COMMAND_ARGUMENTS]);
    }
  }
  const container = await new MongoDBWithTestCommands(MONGODB_IMAGE).start();
  // Testcontainers' reaper removes the container when the process ends.
  return withOption(container.getConnectionString(), 'directConnection', 'true');
}

async function startEmulator(): Promise<string> {
  const { MongoEmulator } = await import('@monque/mongo-emulator');
  const emulator = await MongoEmulator.start({ port: 0, replicaSet: 'rs0' });
  // In-process: it ends with its worker process, which the test runner ends after the run.
  return emulator.uri;
}

/** Adds `name=value` to a connection string's query unless it is already set. */
export function withOption(uri: string, name: string, value: string): string {
  const queryStart = uri.indexOf('?');
  const query = queryStart === -1 ? '' : uri.slice(queryStart + 1);
  if (new URLSearchParams(query).has(name)) return uri;
  const base = queryStart === -1 ? uri : uri.slice(0, queryStart);
  const separator = query === '' ? '' : '&';
  const path = base.slice(base.indexOf('//') + 2).includes('/') ? '' : '/';
  return `${base}${path}?${query}${separator}${name}=${value}`;
}

/** Starts (or, for `MONGODB_URI`, names) the server of a chosen substrate. */
export async function startTestServer(
  choice: SubstrateChoice,
  env: NodeJS.ProcessEnv = process.env,
): Promise<TestServer> {
  switch (choice.substrate) {
    case 'MONGODB_URI': {
      const uri = env.MONGODB_URI;
      if (uri === undefined || uri === '') {
        throw new Error('the run chose MONGODB_URI, but this process has no MONGODB_URI');
      }
      return { uri, substrate: 'MONGODB_URI' };
    }
    case 'testcontainers':
      return { uri: await startTestcontainers(), substrate: 'testcontainers' };
    case 'emulator':
      return { uri: await startEmulator(), substrate: 'emulator' };
  }
}

/** Picks the server: `MONGODB_URI` → Testcontainers (if a Docker engine answers) → emulator. */
export async function pickTestServer(env: NodeJS.ProcessEnv = process.env): Promise<TestServer> {
  return startTestServer(await chooseSubstrate(env), env);
}
