import { freshDatabase, openClient } from '../database.js';
import { createQueue } from '../libraries/create-queue.js';
import { JOB_NAME } from '../libraries/types.js';
import { seedDueJobs } from '../seed.js';
import { isMessage, type MemoryProbeConfig, type MemorySample, sendToParent } from './ipc.js';

// The memory scenario's scheduler instance, in its own process started with --expose-gc: it
// processes jobs in rounds (enqueue a batch, wait until all are processed, delete them, so the
// queue and the server stay small) and samples heap and RSS after forced garbage collection.

/** How long past the time cap the last round may take. */
const ROUND_GRACE_MS = 15_000;

async function sample(jobsProcessed: number): Promise<MemorySample> {
  const gc = globalThis.gc;
  if (gc === undefined) {
    throw new Error('the memory probe must run with --expose-gc');
  }
  for (let round = 0; round < 4; round += 1) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const usage = process.memoryUsage();
  return {
    jobsProcessed,
    rss: usage.rss,
    heapUsed: usage.heapUsed,
    heapTotal: usage.heapTotal,
    external: usage.external,
  };
}

async function run(config: MemoryProbeConfig): Promise<void> {
  const client = await openClient(config.uri);
  const db = await freshDatabase(client, config.dbName);
  const queue = await createQueue(config.library, {
    db,
    names: [JOB_NAME],
    concurrency: config.concurrency,
    notify: config.library === 'monque' ? 'change-stream' : 'polling',
  });
  let completed = 0;
  let waiting: { target: number; resolve: () => void } | undefined;
  await queue.start({
    onComplete: () => {
      completed += 1;
      if (waiting !== undefined && completed >= waiting.target) {
        waiting.resolve();
        waiting = undefined;
      }
    },
  });
  await queue.listening();
  const baseline = await sample(0);
  const startedAt = performance.now();
  let checkpoint: MemorySample | null = null;
  let capped = false;
  let stalled: string | null = null;
  while (completed < config.totalJobs) {
    if (performance.now() - startedAt > config.timeCapMs) {
      capped = true;
      break;
    }
    const batch = Math.min(config.batch, config.totalJobs - completed);
    const target = completed + batch;
    const done = new Promise<boolean>((resolve) => {
      waiting = { target, resolve: () => resolve(true) };
    });
    await seedDueJobs(queue, JOB_NAME, batch, completed);
    // A round gets until the time cap plus a grace period; one that does not finish by then
    // (the library stopped completing jobs) ends the run as stalled.
    const remaining = config.timeCapMs - (performance.now() - startedAt) + ROUND_GRACE_MS;
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      done,
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), Math.max(0, remaining));
      }),
    ]);
    clearTimeout(timer);
    if (!finished) {
      stalled = `a round of ${batch} jobs did not finish: ${target - completed} completions missing`;
      capped = true;
      break;
    }
    await queue.collection.deleteMany({});
    sendToParent({ type: 'progress', processed: completed });
    if (checkpoint === null && completed >= config.checkpointJobs) {
      checkpoint = await sample(completed);
    }
  }
  const elapsedMs = performance.now() - startedAt;
  const final = await sample(completed);
  sendToParent({
    type: 'done',
    baseline,
    checkpoint,
    final,
    capped,
    elapsedMs,
    stalled,
    errors: queue.errors,
  });
  stopping = true;
  await queue.stop();
  await db.dropDatabase().catch(() => undefined);
  await client.close();
}

let stopping = false;
// After the stop, a library's leftover work fails on the closed client; that is not a failure.
process.on('unhandledRejection', (reason: unknown) => {
  if (!stopping) {
    throw reason;
  }
});

process.once('message', (message: unknown) => {
  if (!isMessage(message) || message.type !== 'config') {
    return;
  }
  run(message as MemoryProbeConfig).then(
    () => {
      process.disconnect?.();
    },
    (error: unknown) => {
      sendToParent({
        type: 'failed',
        message: error instanceof Error ? (error.stack ?? error.message) : String(error),
      });
      process.exit(1);
    },
  );
});
