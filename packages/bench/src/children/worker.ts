import { MongoClient } from 'mongodb';
import { createAgenda } from '../libraries/agenda.js';
import { createBullmq } from '../libraries/bullmq.js';
import { createMonque } from '../libraries/monque.js';
import { createPgBoss, PgBossHost } from '../libraries/pg-boss.js';
import type {
  BenchJobData,
  LibraryInstance,
  LibraryName,
  RunInstanceConfig,
  StoreConnection,
} from '../libraries/types.js';
import { seededRandom, sleep, spread } from '../stats.js';
import { cpuWork, nominalMeanMs, runHandler } from '../workloads.js';
import {
  type CostSample,
  costBetween,
  type EnqueueSpec,
  isMessage,
  jobData,
  type LatencySpec,
  type ManagementSpec,
  type Measurement,
  type ProcessingSpec,
  type RunSpec,
  sendToParent,
  type WorkerCommand,
  type WorkerReport,
} from './ipc.js';
import { Profiler } from './profiler.js';
import { countRedisRequests, redisRequests } from './redis-requests.js';

// A scheduler library in its own process, driven by the runner over IPC: it sets up each run
// (indexes, queues, seeded jobs) outside any measurement, then measures the run itself — wall
// time, its own CPU time (process.cpuUsage) and event-loop utilization — while the runner counts
// the requests its store answered. One process per library for the whole benchmark, as an
// application keeps its connections.

function report(message: WorkerReport): void {
  sendToParent(message);
}

function sample(): CostSample {
  const cpu = process.cpuUsage();
  const loop = performance.eventLoopUtilization();
  return {
    userUs: cpu.user,
    systemUs: cpu.system,
    loopIdleMs: loop.idle,
    loopActiveMs: loop.active,
    clientRequests: redisRequests(),
  };
}

// Warnings and unhandled errors are counted with the run they happen in (a clean run has none).
let warnings: string[] = [];
process.on('warning', (warning) => {
  warnings.push(`${warning.name}: ${warning.message}`);
});
process.on('unhandledRejection', (reason: unknown) => {
  warnings.push(
    `unhandled rejection: ${reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason)}`,
  );
});
process.on('uncaughtException', (error) => {
  warnings.push(`uncaught exception: ${error.name}: ${error.message}`);
});

/** The store resources of this process, opened once. */
interface Resources {
  readonly library: LibraryName;
  readonly create: (config: RunInstanceConfig) => LibraryInstance;
  readonly close: () => Promise<void>;
}

async function open(library: LibraryName, store: StoreConnection): Promise<Resources> {
  if (store.kind === 'mongodb' && (library === 'monque' || library === 'agenda')) {
    const client = new MongoClient(store.uri);
    await client.connect();
    const factory = library === 'monque' ? createMonque : createAgenda;
    return { library, create: (config) => factory(client, config), close: () => client.close() };
  }
  if (store.kind === 'redis' && library === 'bullmq') {
    countRedisRequests();
    return { library, create: (config) => createBullmq(store, config), close: async () => {} };
  }
  if (store.kind === 'postgres' && library === 'pg-boss') {
    const host = new PgBossHost(store.connectionString);
    await host.start();
    return { library, create: (config) => createPgBoss(host, config), close: () => host.close() };
  }
  throw new Error(`${library} does not run on a ${store.kind} store`);
}

/** The CPU time of one call of the CPU-bound handler, measured alone (µs). */
function measureHandlerCpu(): number {
  const rounds = 30;
  cpuWork();
  const before = process.cpuUsage();
  for (let round = 0; round < rounds; round += 1) {
    cpuWork();
  }
  const used = process.cpuUsage(before);
  return (used.user + used.system) / rounds;
}

/**
 * The median of a few sequential pings on the library's connection (ms): the store's round-trip
 * time as the library sees it, right after the measurement and under the same load.
 */
async function measureRoundTrip(instance: LibraryInstance): Promise<number> {
  const times: number[] = [];
  for (let attempt = 0; attempt < 9; attempt += 1) {
    const startedAt = performance.now();
    await instance.ping();
    times.push(performance.now() - startedAt);
  }
  return spread(times).median;
}

/** Job `seq` belongs to name `seq mod names`. */
function nameOf(names: readonly string[], seq: number): string {
  return names[seq % names.length] ?? '';
}

async function seed(instance: LibraryInstance, names: readonly string[], jobs: number) {
  for (let index = 0; index < names.length; index += 1) {
    const name = names[index] ?? '';
    const data: BenchJobData[] = [];
    for (let seq = index; seq < jobs; seq += names.length) {
      data.push(jobData(seq));
    }
    await instance.seed(name, data);
  }
}

async function processing(
  instance: LibraryInstance,
  workload: ProcessingSpec,
): Promise<Measurement> {
  const completions: number[] = [];
  let done: () => void = () => undefined;
  const allDone = new Promise<void>((resolve) => {
    done = resolve;
  });
  let handlerTotalMs = 0;
  let handlerCount = 0;
  const startedAt = performance.now();
  await instance.start(
    async (_name, data) => {
      const began = performance.now();
      await runHandler(workload.handler, data.seq);
      handlerTotalMs += performance.now() - began;
      handlerCount += 1;
    },
    () => {
      completions.push(performance.now());
      if (completions.length === workload.jobs) {
        done();
      }
    },
  );
  let timer: NodeJS.Timeout | undefined;
  const capped = await Promise.race([
    allDone.then(() => false),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(
        () => resolve(true),
        Math.max(0, workload.timeCapMs - (performance.now() - startedAt)),
      );
    }),
  ]);
  clearTimeout(timer);
  const endedAt = capped ? performance.now() : (completions[completions.length - 1] ?? startedAt);
  const processed = Math.min(completions.length, workload.jobs);
  const from = Math.floor(processed * 0.1);
  const to = Math.ceil(processed * 0.9) - 1;
  const span = ((completions[to] ?? 0) - (completions[from] ?? 0)) / 1000;
  return {
    kind: 'processing',
    jobs: workload.jobs,
    processed,
    seconds: (endedAt - startedAt) / 1000,
    capped,
    steadyJobsPerSecond: to > from && span > 0 ? (to - from) / span : Number.NaN,
    handlerMeanMs: handlerCount === 0 ? Number.NaN : handlerTotalMs / handlerCount,
    handlerNominalMeanMs: nominalMeanMs(workload.handler, workload.jobs),
  };
}

/** Handler starts by `seq`, and a wait for a number of them. */
class StartTracker {
  readonly #starts = new Map<number, number>();
  #waiting: { count: number; resolve: () => void } | undefined;

  record(seq: number): void {
    if (!this.#starts.has(seq)) {
      this.#starts.set(seq, performance.now());
    }
    if (this.#waiting !== undefined && this.#starts.size >= this.#waiting.count) {
      this.#waiting.resolve();
      this.#waiting = undefined;
    }
  }

  get(seq: number): number | undefined {
    return this.#starts.get(seq);
  }

  async waitFor(count: number, timeoutMs: number): Promise<void> {
    if (this.#starts.size >= count) {
      return;
    }
    await Promise.race([
      new Promise<void>((resolve) => {
        this.#waiting = { count, resolve };
      }),
      sleep(timeoutMs),
    ]);
    this.#waiting = undefined;
  }
}

async function latency(
  instance: LibraryInstance,
  spec: RunSpec,
  workload: LatencySpec,
): Promise<Measurement> {
  const tracker = new StartTracker();
  await instance.start(
    (_name, data) => {
      tracker.record(data.seq);
    },
    () => undefined,
  );
  await Promise.race([instance.listening(), sleep(10_000)]);
  // Warm-up jobs (negative seq): connections, JIT, the notification path. Not counted.
  for (let index = 0; index < workload.warmupJobs; index += 1) {
    await instance.enqueue(nameOf(spec.names, index), jobData(-1 - index));
    await sleep(workload.maxGapMs);
  }
  await tracker.waitFor(workload.warmupJobs, workload.settleMs);
  await sleep(2 * workload.maxGapMs);
  const random = seededRandom(42);
  const enqueuedAt: number[] = [];
  for (let seq = 0; seq < workload.jobs; seq += 1) {
    await sleep(workload.minGapMs + random() * (workload.maxGapMs - workload.minGapMs));
    enqueuedAt.push(performance.now());
    await instance.enqueue(nameOf(spec.names, seq), jobData(seq));
  }
  await tracker.waitFor(workload.warmupJobs + workload.jobs, workload.settleMs);
  const latencies = enqueuedAt.map((enqueued, seq) => {
    const started = tracker.get(seq);
    // Microsecond resolution is all the clock offers that means anything here.
    return started === undefined ? null : Math.round((started - enqueued) * 1000) / 1000;
  });
  return { kind: 'latency', warmupJobs: workload.warmupJobs, latencies };
}

async function enqueue(
  instance: LibraryInstance,
  spec: RunSpec,
  workload: EnqueueSpec,
): Promise<Measurement> {
  const name = nameOf(spec.names, 0);
  const startedAt = performance.now();
  if (workload.method === 'one-by-one') {
    for (let seq = 0; seq < workload.jobs; seq += 1) {
      await instance.enqueue(name, jobData(seq));
    }
  } else {
    const bulk = instance.enqueueMany;
    if (bulk === undefined) {
      throw new Error('this library has no bulk enqueue');
    }
    for (let start = 0; start < workload.jobs; start += workload.bulkSize) {
      const jobs: BenchJobData[] = [];
      for (let seq = start; seq < Math.min(workload.jobs, start + workload.bulkSize); seq += 1) {
        jobs.push(jobData(seq));
      }
      await bulk(name, jobs);
    }
  }
  return { kind: 'enqueue', jobs: workload.jobs, seconds: (performance.now() - startedAt) / 1000 };
}

/** Times the management reads of a seeded queue, each call on its own, one after the other. */
async function management(
  instance: LibraryInstance,
  workload: ManagementSpec,
): Promise<Measurement> {
  const bench = managementOf(instance);
  const operations = [];
  for (const operation of bench.operations(workload)) {
    for (let call = 0; call < workload.warmupCalls; call += 1) {
      await operation.call();
    }
    const ms: number[] = [];
    for (let call = 0; call < operation.calls; call += 1) {
      const startedAt = performance.now();
      await operation.call();
      ms.push(Math.round((performance.now() - startedAt) * 1000) / 1000);
    }
    operations.push({ id: operation.id, ms });
  }
  return { kind: 'management', jobs: workload.jobs, operations };
}

function managementOf(instance: LibraryInstance) {
  if (instance.management === undefined) {
    throw new Error('this library has no management API');
  }
  return instance.management;
}

async function idle(instance: LibraryInstance): Promise<Measurement> {
  await instance.start(
    () => undefined,
    () => undefined,
  );
  await Promise.race([instance.listening(), sleep(10_000)]);
  // Let start-up work (first claims, stream opening) pass before the runner samples.
  await sleep(1000);
  return { kind: 'idle' };
}

let resources: Resources | undefined;
let current: { spec: RunSpec; instance: LibraryInstance } | undefined;

async function handle(command: WorkerCommand): Promise<void> {
  switch (command.type) {
    case 'init': {
      resources = await open(command.library, command.store);
      report({ type: 'ready', handlerCpuUs: measureHandlerCpu() });
      return;
    }
    case 'prepare': {
      if (resources === undefined) {
        throw new Error('prepare before init');
      }
      warnings = [];
      const { spec } = command;
      const instance = resources.create({
        runId: spec.runId,
        names: spec.names,
        concurrency: spec.concurrency,
        mode: spec.mode,
        flow: spec.workload.kind === 'processing' ? spec.workload.flow : undefined,
      });
      await instance.setup();
      if (spec.workload.kind === 'processing') {
        await seed(instance, spec.names, spec.workload.jobs);
      }
      if (spec.workload.kind === 'management') {
        await managementOf(instance).seed(spec.workload.jobs, spec.workload.names);
      }
      current = { spec, instance };
      report({ type: 'prepared', settings: instance.settings });
      return;
    }
    case 'go': {
      if (current === undefined || resources === undefined) {
        throw new Error('go before prepare');
      }
      const { spec, instance } = current;
      const profiler = spec.profile ? new Profiler() : undefined;
      await profiler?.start();
      const before = sample();
      const workload = spec.workload;
      const measurement =
        workload.kind === 'processing'
          ? await processing(instance, workload)
          : workload.kind === 'latency'
            ? await latency(instance, spec, workload)
            : workload.kind === 'enqueue'
              ? await enqueue(instance, spec, workload)
              : workload.kind === 'management'
                ? await management(instance, workload)
                : await idle(instance);
      const after = sample();
      const profile = (await profiler?.stop(`${resources.library} worker`)) ?? null;
      report({ type: 'measured', measurement, cost: costBetween(before, after), profile });
      return;
    }
    case 'sample': {
      report({ type: 'sample', sample: sample() });
      return;
    }
    case 'stop': {
      if (current === undefined) {
        throw new Error('stop before prepare');
      }
      const { instance } = current;
      current = undefined;
      const roundTripMs = await measureRoundTrip(instance);
      await instance.stop();
      await instance.cleanup();
      report({ type: 'stopped', errors: instance.errors, warnings, roundTripMs });
      return;
    }
    case 'exit': {
      await resources?.close();
      process.exit(0);
    }
  }
}

process.on('message', (message: unknown) => {
  if (!isMessage(message)) {
    return;
  }
  handle(message as WorkerCommand).catch((error: unknown) => {
    report({
      type: 'failed',
      message: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
  });
});
process.on('disconnect', () => process.exit(0));
