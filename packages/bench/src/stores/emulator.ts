import { type ChildProcess, fork } from 'node:child_process';
import { MongoClient } from 'mongodb';
import {
  exited,
  nextMessage,
  type ServerCountsMessage,
  type ServerReadyMessage,
} from '../children/ipc.js';
import { packageVersion } from '../machine.js';
import type { ProfileSummary } from '../report/profile.js';
import type { Store } from './store.js';

/** Where the runner's sibling programs are (dist/ after the build). */
export function siblingProgram(name: string): URL {
  return new URL(`./${name}.mjs`, import.meta.url);
}

/** The version a MongoDB-compatible server reports. */
export async function serverVersion(uri: string): Promise<string> {
  const client = new MongoClient(uri);
  try {
    const info = await client.db('admin').command({ buildInfo: 1 });
    return typeof info.version === 'string' ? info.version : 'unknown';
  } finally {
    await client.close();
  }
}

/**
 * `@monque/mongo-emulator` in its own process (a single-member replica set, so change streams
 * work), counting the requests it is sent by command.
 */
export async function startEmulator(): Promise<Store> {
  const child: ChildProcess = fork(siblingProgram('emulator-server'), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const { uri } = await nextMessage<ServerReadyMessage>(child, 'server-ready');
  const version = await serverVersion(uri);
  const emulatorVersion = packageVersion('@monque/mongo-emulator');
  const ask = async <T extends { type: string }>(request: string, reply: T['type']): Promise<T> => {
    const answer = nextMessage<T>(child, reply);
    child.send({ type: request });
    return answer;
  };
  return {
    kind: 'emulator',
    label: `mongo-emulator ${emulatorVersion} (MongoDB ${version} wire)`,
    description:
      `@monque/mongo-emulator ${emulatorVersion} (reports MongoDB ${version}; in memory; ` +
      'single-member replica set; own process; counts requests by command)',
    connection: { kind: 'mongodb', uri },
    requestsCountedBy: 'server',
    async counts() {
      const { byCommand, serverCpuUs } = await ask<ServerCountsMessage>('counts', 'counts');
      return { byCommand, serverCpuUs };
    },
    profile: {
      async start() {
        await ask('profile-start', 'profile-started');
      },
      async stop() {
        const { profile } = await ask<{ type: 'profile'; profile: ProfileSummary }>(
          'profile-stop',
          'profile',
        );
        return profile;
      },
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.disconnect();
        await exited(child);
      }
    },
  };
}

/**
 * A MongoDB server given by `MONGODB_URI` (a replica set for change streams): requests are the
 * server's own command counters (`serverStatus().metrics.commands`), which include other clients
 * of that server; the harness's `serverStatus` calls are left out.
 */
export async function connectMongodb(uri: string): Promise<Store> {
  const version = await serverVersion(uri);
  const client = new MongoClient(uri);
  await client.connect();
  return {
    kind: 'mongodb',
    label: `MongoDB ${version}`,
    description: `MongoDB ${version} (MONGODB_URI; requests from serverStatus command counters)`,
    connection: { kind: 'mongodb', uri },
    requestsCountedBy: 'server',
    async counts() {
      const status = await client.db('admin').command({ serverStatus: 1 });
      const commands = (status.metrics as { commands?: Record<string, unknown> } | undefined)
        ?.commands;
      const byCommand: Record<string, number> = {};
      for (const [name, value] of Object.entries(commands ?? {})) {
        const total = (value as { total?: unknown }).total;
        if (name !== 'serverStatus' && total !== undefined) {
          byCommand[name] = Number(total);
        }
      }
      return { byCommand, serverCpuUs: null };
    },
    async stop() {
      await client.close();
    },
  };
}
