import { type ChildProcess, fork } from 'node:child_process';
import { MongoClient } from 'mongodb';
import { exited, nextMessage, type ServerReadyMessage } from './children/ipc.js';
import { packageVersion } from './machine.js';

/** The database server the run uses. */
export interface Substrate {
  readonly kind: 'emulator' | 'mongodb';
  readonly uri: string;
  /** What it is, for the results: product, version and how it runs. */
  readonly description: string;
  readonly serverVersion: string;
  /** Stops the embedded server (nothing for MONGODB_URI). */
  stop(): Promise<void>;
}

/** Where the runner's sibling programs are (dist/ after the build). */
export function siblingProgram(name: string): URL {
  return new URL(`./${name}.mjs`, import.meta.url);
}

async function serverVersion(uri: string): Promise<string> {
  const client = new MongoClient(uri);
  try {
    const info = await client.db('admin').command({ buildInfo: 1 });
    return typeof info.version === 'string' ? info.version : 'unknown';
  } finally {
    await client.close();
  }
}

/** Hides the credentials of a URI (for printing). */
export function redactUri(uri: string): string {
  return uri.replace(/\/\/[^@/]*@/, '//***@');
}

async function startEmulator(profileDir: string | undefined): Promise<Substrate> {
  const execArgv = profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`];
  const child: ChildProcess = fork(siblingProgram('emulator-server'), [], {
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const { uri } = await nextMessage<ServerReadyMessage>(child, 'server-ready');
  const version = await serverVersion(uri);
  return {
    kind: 'emulator',
    uri,
    serverVersion: version,
    description:
      `@monque/mongo-emulator ${packageVersion('@monque/mongo-emulator')} ` +
      `(reports MongoDB ${version}; single-member replica set, own child process)`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.disconnect();
        await exited(child);
      }
    },
  };
}

/** MONGODB_URI when set, otherwise the embedded emulator started in a child process. */
export async function startSubstrate(options: {
  readonly profileDir: string | undefined;
}): Promise<Substrate> {
  const uri = process.env.MONGODB_URI;
  if (uri === undefined || uri === '') {
    return startEmulator(options.profileDir);
  }
  const version = await serverVersion(uri);
  return {
    kind: 'mongodb',
    uri,
    serverVersion: version,
    description: `MongoDB ${version} (MONGODB_URI)`,
    async stop() {},
  };
}
