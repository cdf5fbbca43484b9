import type { MongoClient } from 'mongodb';
import { openClient } from '../database.js';
import { createQueue } from '../libraries/create-queue.js';
import { type BenchQueue, JOB_NAME } from '../libraries/types.js';
import { isMessage, type ScalingCommand, type ScalingWorkerConfig, sendToParent } from './ipc.js';

// One scheduler instance of the scaling scenario, in its own process. The runner sends `config`,
// waits for `ready` from every instance, sends `go`, reads `progress` and finally sends `stop`.
const PROGRESS_INTERVAL_MS = 50;

let client: MongoClient | undefined;
let queue: BenchQueue | undefined;
let completed = 0;
let reported = -1;
let ticker: NodeJS.Timeout | undefined;
let stopping = false;

function report(): void {
  if (completed !== reported) {
    reported = completed;
    sendToParent({ type: 'progress', completed });
  }
}

async function configure(config: ScalingWorkerConfig): Promise<void> {
  client = await openClient(config.uri);
  queue = await createQueue(config.library, {
    db: client.db(config.dbName),
    names: [JOB_NAME],
    concurrency: config.concurrency,
    notify: config.library === 'monque' ? 'change-stream' : 'polling',
  });
  sendToParent({ type: 'ready' });
}

async function go(): Promise<void> {
  if (queue === undefined) {
    throw new Error('go before config');
  }
  ticker = setInterval(report, PROGRESS_INTERVAL_MS);
  await queue.start({
    onComplete: () => {
      completed += 1;
    },
  });
}

async function stop(): Promise<void> {
  stopping = true;
  clearInterval(ticker);
  report();
  const final = completed;
  await queue?.stop();
  sendToParent({ type: 'stopped', completed: final, errors: queue?.errors ?? 0 });
  await client?.close().catch(() => undefined);
  process.disconnect?.();
  process.exit(0);
}

function fail(error: unknown): void {
  sendToParent({
    type: 'failed',
    message: error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
  process.exit(1);
}

process.on('message', (message: unknown) => {
  if (!isMessage(message)) {
    return;
  }
  const command = message as ScalingCommand;
  const step =
    command.type === 'config' ? configure(command) : command.type === 'go' ? go() : stop();
  step.catch(fail);
});
process.on('disconnect', () => process.exit(0));
// After the stop, a library's leftover work fails on the closed client; that is not a failure.
process.on('unhandledRejection', (reason: unknown) => {
  if (!stopping) {
    fail(reason);
  }
});
