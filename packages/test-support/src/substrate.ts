import { dockerEngineAnswers } from './docker-probe.js';

/** Which database server the integration tests run on. */
export type Substrate = 'MONGODB_URI' | 'testcontainers' | 'emulator';

/** The run's shared server. */
export interface TestServer {
  uri: string;
  substrate: Substrate;
}

/** The image Testcontainers starts (the same MongoDB as the project's docker-compose.yml). */
const MONGODB_IMAGE = 'mongo:8.0';

async function startTestcontainers(): Promise<string> {
  const { MongoDBContainer } = await import('@testcontainers/mongodb');
  const container = await new MongoDBContainer(MONGODB_IMAGE).start();
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

/** Picks the server: `MONGODB_URI` → Testcontainers (if a Docker engine answers) → emulator. */
export async function pickTestServer(env: NodeJS.ProcessEnv = process.env): Promise<TestServer> {
  const fromEnv = env.MONGODB_URI;
  if (fromEnv !== undefined && fromEnv !== '') return { uri: fromEnv, substrate: 'MONGODB_URI' };
  if (await dockerEngineAnswers()) {
    return { uri: await startTestcontainers(), substrate: 'testcontainers' };
  }
  return { uri: await startEmulator(), substrate: 'emulator' };
}
