import { MongoDBContainer } from '@testcontainers/mongodb';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { uniqueDatabaseName } from '../src/database-name.js';
import type { DockerEndpoint } from '../src/docker-probe.js';
import globalSetup from '../src/global-setup.js';
import { getTestServer, openTestDatabase, type TestDatabase } from '../src/index.js';
import {
  chooseSubstrate,
  describeChoice,
  MONGODB_IMAGE,
  type SubstrateProbe,
  startTestcontainers,
  startTestServer,
  withOption,
} from '../src/substrate.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/** A Docker probe that answers `answer` and records where it looked. */
function probe(answer: boolean): SubstrateProbe & { asked: DockerEndpoint[] } {
  const asked: DockerEndpoint[] = [];
  return {
    asked,
    async dockerAnswers(endpoint) {
      asked.push(endpoint);
      return answer;
    },
  };
}

describe('helpers', () => {
  it('adds an option to a connection string once', () => {
    expect(withOption('mongodb://h:1', 'directConnection', 'true')).toBe(
      'mongodb://h:1/?directConnection=true',
    );
    expect(withOption('mongodb://h:1/?a=b', 'directConnection', 'true')).toBe(
      'mongodb://h:1/?a=b&directConnection=true',
    );
    expect(withOption('mongodb://h:1/?directConnection=false', 'directConnection', 'true')).toBe(
      'mongodb://h:1/?directConnection=false',
    );
  });

  it('makes unique, valid database names', () => {
    const first = uniqueDatabaseName('jobs.spec');
    expect(first).toMatch(/^jobs_spec_\d+_[0-9a-f]{12}$/);
    expect(uniqueDatabaseName('jobs.spec')).not.toBe(first);
    expect(uniqueDatabaseName('x'.repeat(100)).length).toBeLessThanOrEqual(63);
  });
});

describe('chooseSubstrate', () => {
  it('takes MONGODB_URI when it is set, without asking Docker', async () => {
    const docker = probe(true);
    const choice = await chooseSubstrate({ MONGODB_URI: 'mongodb://db:27017' }, docker);
    expect(choice).toEqual({ substrate: 'MONGODB_URI', reason: 'MONGODB_URI is set' });
    expect(docker.asked).toEqual([]);
    expect(describeChoice(choice)).toBe(
      'integration tests run on the server at MONGODB_URI because MONGODB_URI is set',
    );
  });

  it('takes Testcontainers when the Docker engine of DOCKER_HOST answers', async () => {
    const docker = probe(true);
    const choice = await chooseSubstrate(
      { MONGODB_URI: '', DOCKER_HOST: 'tcp://10.0.0.2:2376' },
      docker,
    );
    expect(docker.asked).toEqual([{ kind: 'tcp', host: '10.0.0.2', port: 2376 }]);
    expect(choice.substrate).toBe('testcontainers');
    expect(describeChoice(choice)).toBe(
      `integration tests run on a Testcontainers MongoDB replica set (${MONGODB_IMAGE}, test ` +
        'commands enabled) because MONGODB_URI is not set and a Docker engine answered at ' +
        'tcp://10.0.0.2:2376',
    );
  });

  it('falls back to the emulator, saying where no Docker engine answered', async () => {
    const docker = probe(false);
    const choice = await chooseSubstrate({}, docker);
    expect(docker.asked).toEqual([{ kind: 'socket', socketPath: '/var/run/docker.sock' }]);
    expect(choice.substrate).toBe('emulator');
    expect(describeChoice(choice)).toBe(
      'integration tests run on the in-process mongo-emulator (a replica set in each test ' +
        'worker) because MONGODB_URI is not set and no Docker engine answered at ' +
        'unix:///var/run/docker.sock within 1000 ms',
    );
  });

  it('falls back to the emulator when DOCKER_HOST names no endpoint it can probe', async () => {
    const docker = probe(true);
    const choice = await chooseSubstrate({ DOCKER_HOST: 'ssh://user@host' }, docker);
    expect(docker.asked).toEqual([]);
    expect(choice).toEqual({
      substrate: 'emulator',
      reason:
        'MONGODB_URI is not set and DOCKER_HOST (ssh://user@host) is neither unix:// nor tcp://',
    });
  });
});

describe('the global setup', () => {
  it('prints the choice and its reason once, and hands it to the test workers', async () => {
    const provided: Array<[string, unknown]> = [];
    const printed = vi.spyOn(console, 'info').mockImplementation(() => {});
    const project = { provide: (key: string, value: unknown) => provided.push([key, value]) };
    vi.stubEnv('MONGODB_URI', 'mongodb://db:27017');
    try {
      await globalSetup(project as unknown as Parameters<typeof globalSetup>[0]);
    } finally {
      vi.unstubAllEnvs();
    }
    expect(printed.mock.calls).toEqual([
      [
        '[test-support] integration tests run on the server at MONGODB_URI because MONGODB_URI is set',
      ],
    ]);
    expect(provided).toEqual([
      [
        '@monque/test-support/substrate',
        { substrate: 'MONGODB_URI', reason: 'MONGODB_URI is set' },
      ],
    ]);
  });
});

describe('startTestServer', () => {
  it('uses MONGODB_URI as it is, and refuses a choice this process cannot follow', async () => {
    const choice = { substrate: 'MONGODB_URI', reason: 'MONGODB_URI is set' } as const;
    expect(await startTestServer(choice, { MONGODB_URI: 'mongodb://db:1/?replicaSet=rs' })).toEqual(
      { uri: 'mongodb://db:1/?replicaSet=rs', substrate: 'MONGODB_URI' },
    );
    await expect(startTestServer(choice, {})).rejects.toThrow(/this process has no MONGODB_URI/);
  });

  it('starts MongoDB in Docker with the test commands enabled, so fail points work there', async () => {
    // The container is not started: Testcontainers' own start() is replaced by one that records
    // the container's command and answers as a started container would.
    const genericContainer = Object.getPrototypeOf(MongoDBContainer.prototype) as {
      start(): Promise<unknown>;
    };
    const commands: unknown[] = [];
    vi.spyOn(genericContainer, 'start').mockImplementation(async function (this: {
      createOpts: { Cmd?: string[]; Image?: string };
    }) {
      commands.push({ image: this.createOpts.Image, cmd: this.createOpts.Cmd });
      return { getHost: () => 'localhost', getMappedPort: () => 32768 };
    });
    const uri = await startTestcontainers();
    expect(uri).toBe('mongodb://localhost:32768/?directConnection=true');
    expect(commands).toEqual([
      {
        image: MONGODB_IMAGE,
        cmd: ['--replSet', 'rs0', '--setParameter', 'enableTestCommands=1'],
      },
    ]);
  });
});

describe('openTestDatabase', () => {
  const opened: TestDatabase[] = [];

  afterAll(async () => {
    for (const database of opened.splice(0)) await database.cleanup();
  });

  it('starts the server once per process', async () => {
    const [first, second] = await Promise.all([getTestServer(), getTestServer()]);
    expect(second).toBe(first);
    expect(await getTestServer()).toBe(first);
  });

  it('gives each caller its own database, dropped by cleanup', async () => {
    const one = await openTestDatabase('support');
    const two = await openTestDatabase('support');
    opened.push(two);
    expect(one.db.databaseName).not.toBe(two.db.databaseName);
    await one.db.collection('c').insertOne({ _id: 1 } as never);
    expect(await two.db.collection('c').countDocuments()).toBe(0);
    const name = one.db.databaseName;
    await one.cleanup();
    const { databases } = await two.client.db('admin').admin().listDatabases();
    expect(databases.map((database) => database.name)).not.toContain(name);
  });

  it('runs on a replica set, so change streams work', async () => {
    const database = await openTestDatabase('support_streams');
    opened.push(database);
    const hello = await database.db.admin().command({ hello: 1 });
    expect(hello.setName).toEqual(expect.any(String));
  });
});
