import { randomBytes } from 'node:crypto';
import type { CommandFailedEvent, CommandStartedEvent, Document, MongoClient } from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionError, MonqueError } from '../../../src/errors.js';
import type { JobErrorEvent } from '../../../src/events.js';
import { Monque } from '../../../src/monque.js';
import type { ReliabilityContext } from '../support/context.js';
import { failPoints } from '../support/fail-points.js';
import { checkScenario, skipScenario } from '../support/summary.js';
import { waitForCondition } from '../support/wait.js';

const JOBS = 20;
const HEARTBEAT_INTERVAL = 200;
const LOCK_TIMEOUT = 1500;
/** A transient server error (ExceededTimeLimit) that is not a "node is recovering" error. */
const TRANSIENT_CODE = 262;

interface FaultCase {
  readonly title: string;
  readonly command: 'findAndModify' | 'update' | 'insert' | 'getMore';
  readonly times: number;
  readonly data: Document;
  /** Whether the driver cannot absorb the fault, so Monque must surface at least one error. */
  readonly mustSurface: boolean;
  /**
   * The faulty instance's concurrency (default 3). A claim with one free slot is a
   * findAndModify; with several, a find and an update (batched claims), so the findAndModify
   * cases run the faulty instance with one slot.
   */
  readonly concurrency?: number;
}

const FAULTS: readonly FaultCase[] = [
  {
    title: 'findAndModify, transient error with RetryableWriteError',
    command: 'findAndModify',
    times: 3,
    data: { errorCode: TRANSIENT_CODE, errorLabels: ['RetryableWriteError'] },
    mustSurface: false,
    concurrency: 1,
  },
  {
    title: 'findAndModify, transient error without label',
    command: 'findAndModify',
    times: 3,
    data: { errorCode: TRANSIENT_CODE, errorLabels: [] },
    mustSurface: true,
    concurrency: 1,
  },
  {
    title: 'update, transient error with RetryableWriteError',
    command: 'update',
    times: 3,
    data: { errorCode: TRANSIENT_CODE, errorLabels: ['RetryableWriteError'] },
    mustSurface: false,
  },
  {
    title: 'update, transient error without label',
    command: 'update',
    times: 3,
    data: { errorCode: TRANSIENT_CODE, errorLabels: [] },
    mustSurface: true,
  },
  {
    title: 'insert, transient error with RetryableWriteError',
    command: 'insert',
    times: 3,
    data: { errorCode: TRANSIENT_CODE, errorLabels: ['RetryableWriteError'] },
    mustSurface: false,
  },
  {
    title: 'insert, transient error without label',
    command: 'insert',
    times: 3,
    data: { errorCode: TRANSIENT_CODE, errorLabels: [] },
    mustSurface: true,
  },
  {
    title: 'getMore, transient error with ResumableChangeStreamError',
    command: 'getMore',
    times: 2,
    data: { errorCode: TRANSIENT_CODE, errorLabels: ['ResumableChangeStreamError'] },
    mustSurface: false,
  },
  {
    title: 'getMore, transient error without label',
    command: 'getMore',
    times: 2,
    data: { errorCode: TRANSIENT_CODE, errorLabels: [] },
    mustSurface: true,
  },
  {
    title: 'findAndModify, closeConnection',
    command: 'findAndModify',
    times: 2,
    data: { closeConnection: true },
    mustSurface: false,
    concurrency: 1,
  },
  {
    title: 'update, closeConnection',
    command: 'update',
    times: 2,
    data: { closeConnection: true },
    mustSurface: false,
  },
  {
    title: `update, blockConnection ${HEARTBEAT_INTERVAL + 150} ms (slower than the heartbeat)`,
    command: 'update',
    times: 4,
    data: { blockConnection: true, blockTimeMS: HEARTBEAT_INTERVAL + 150 },
    mustSurface: false,
  },
];

interface Attempt {
  readonly name: string;
  readonly lsid: string;
  readonly txnNumber: string | undefined;
}

/** Records the commands of a client, to tell a fault the driver retried from one it gave up on. */
function monitorCommands(client: MongoClient) {
  const started = new Map<number, Attempt>();
  const order: Attempt[] = [];
  const failures: { attempt: Attempt; index: number; error: Error }[] = [];
  const slow: { name: string; duration: number }[] = [];
  /** Commands on their way, except the change stream's getMore (always waiting for changes). */
  const inFlight = new Set<number>();
  client.on('commandStarted', (event: CommandStartedEvent) => {
    if (event.commandName !== 'getMore') inFlight.add(event.requestId);
    const lsid = event.command.lsid?.id;
    const attempt: Attempt = {
      name: event.commandName,
      lsid: lsid === undefined ? '' : Buffer.from(lsid.buffer).toString('hex'),
      txnNumber: event.command.txnNumber?.toString(),
    };
    started.set(event.requestId, attempt);
    order.push(attempt);
  });
  client.on('commandFailed', (event: CommandFailedEvent) => {
    inFlight.delete(event.requestId);
    const attempt = started.get(event.requestId);
    if (attempt !== undefined) {
      failures.push({ attempt, index: order.indexOf(attempt), error: event.failure });
    }
  });
  client.on('commandSucceeded', (event) => {
    inFlight.delete(event.requestId);
    slow.push({ name: event.commandName, duration: event.duration });
  });
  return {
    failures,
    slow,
    /** How many commands (other than getMore) have not returned yet. */
    inFlight: (): number => inFlight.size,
    /** Failures of `name` the driver did not retry itself (no later attempt of the same write). */
    unretried(name: string): number {
      return failures.filter(({ attempt, index, error }) => {
        if (attempt.name !== name) return false;
        if (name === 'getMore') {
          // A change stream resumes by itself on a resumable error (label or network error).
          const labels = (error as { errorLabels?: string[] }).errorLabels ?? [];
          return !(labels.includes('ResumableChangeStreamError') || error.name.includes('Network'));
        }
        const retried = order
          .slice(index + 1)
          .some(
            (later) =>
              later.name === name &&
              later.lsid === attempt.lsid &&
              attempt.txnNumber !== undefined &&
              later.txnNumber === attempt.txnNumber,
          );
        return !retried;
      }).length;
    },
  };
}

/** The distinct job:error messages, ids elided. */
function describeErrors(errors: readonly JobErrorEvent[]): string {
  const messages = errors.map(({ error }) => error.message.replace(/[0-9a-f]{24}/g, '<id>'));
  return [...new Set(messages)].join(' | ');
}

/**
 * Scenario 4: faults injected with `failCommand` into one instance's connection (matched by its
 * appName), while a second, healthy instance competes for the same jobs.
 */
export function describeFaults(context: ReliabilityContext): void {
  describe('4. injected faults (failCommand)', () => {
    const instances: Monque[] = [];

    afterEach(async () => {
      await Promise.all(instances.splice(0).map((monque) => monque.stop()));
    });

    it('a failed outcome write does not make the live owner run the job again', async (test) => {
      const scenario = '4 outcome write fails once, owner alive';
      const collectionName = context.collectionName('faults_outcome');
      const appName = `monque-outcome-${randomBytes(4).toString('hex')}`;
      const ownerDb = (await context.separateClient({ appName })).db(
        context.database.db.databaseName,
      );
      const admin = (await context.separateDb()).admin();
      const support = await failPoints(admin);
      if (!support.available) skipScenario(test, scenario, support.reason);
      const owner = new Monque(ownerDb, {
        collectionName,
        heartbeatInterval: HEARTBEAT_INTERVAL,
        lockTimeout: LOCK_TIMEOUT,
        pollInterval: 100,
      });
      instances.push(owner);
      let executions = 0;
      let release: () => void = () => {};
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      owner.worker('work', async () => {
        executions += 1;
        await released;
      });
      const errors: JobErrorEvent[] = [];
      owner.on('job:error', (event) => errors.push(event));
      await owner.start();
      const { job } = await owner.enqueue('work', null);
      await waitForCondition('the handler to start', () => executions === 1, { timeout: 5000 });

      // Every update of the owner fails until its outcome write has failed once.
      await admin.command({
        configureFailPoint: 'failCommand',
        mode: 'alwaysOn',
        data: { failCommands: ['update'], appName, errorCode: TRANSIENT_CODE, errorLabels: [] },
      });
      try {
        release();
        await waitForCondition(
          'the outcome write to fail',
          () => errors.some(({ error }) => error.message.includes('outcome')),
          { timeout: 5000 },
        );
      } finally {
        await admin.command({ configureFailPoint: 'failCommand', mode: 'off' });
      }
      const final = await waitForCondition(
        'the job to end completed',
        async () => {
          const doc = await owner.collection.findOne({ _id: job._id });
          return doc?.status === 'completed' ? doc : undefined;
        },
        { timeout: 4 * LOCK_TIMEOUT },
      ).catch(async (error: unknown) => {
        throw new Error(
          `${String(error)}; job now ${JSON.stringify(await owner.collection.findOne({ _id: job._id }))}`,
        );
      });
      await checkScenario(
        test,
        scenario,
        {
          jobs: 1,
          duplicates: executions - 1,
          lost: final.status === 'completed' ? 0 : 1,
          recovery: 'n/a',
          notes: `${executions} executions; job:error: ${describeErrors(errors)}`,
        },
        () => {
          expect(final.status).toBe('completed');
          expect(errors.some(({ error }) => error instanceof ConnectionError)).toBe(true);
          expect(executions).toBe(1);
        },
      );
    }, 30_000);

    for (const fault of FAULTS) {
      it(`${fault.title}: nothing lost or run twice, errors surfaced`, async (test) => {
        const scenario = `4 ${fault.title}`;
        const collectionName = context.collectionName('faults');
        const appName = `monque-fault-${randomBytes(4).toString('hex')}`;
        const faultyClient = await context.separateClient({ appName, monitorCommands: true });
        const commands = monitorCommands(faultyClient);
        const faultyDb = faultyClient.db(context.database.db.databaseName);
        const healthyDb = await context.separateDb();
        const support = await failPoints(healthyDb.admin());
        if (!support.available) skipScenario(test, scenario, support.reason);
        const options = {
          collectionName,
          heartbeatInterval: HEARTBEAT_INTERVAL,
          lockTimeout: LOCK_TIMEOUT,
          pollInterval: 100,
          defaultConcurrency: 3,
          baseRetryInterval: 50,
        };
        const faulty = new Monque(faultyDb, {
          ...options,
          defaultConcurrency: fault.concurrency ?? options.defaultConcurrency,
        });
        const healthy = new Monque(healthyDb, options);
        instances.push(faulty, healthy);
        const runs = new Map<string, string[]>();
        const errors: JobErrorEvent[] = [];
        const streamErrors: Error[] = [];
        for (const [label, monque] of [
          ['faulty', faulty],
          ['healthy', healthy],
        ] as const) {
          monque.worker('work', async (job) => {
            const id = job._id.toHexString();
            runs.set(id, [...(runs.get(id) ?? []), label]);
            await new Promise((resolve) => setTimeout(resolve, 30));
          });
        }
        faulty.on('job:error', (event) => errors.push(event));
        faulty.on('changestream:error', ({ error }) => streamErrors.push(error));
        const healthyErrors: JobErrorEvent[] = [];
        healthy.on('job:error', (event) => healthyErrors.push(event));
        await Promise.all([faulty.start(), healthy.start()]);

        await healthyDb.admin().command({
          configureFailPoint: 'failCommand',
          mode: { times: fault.times },
          data: { failCommands: [fault.command], appName, ...fault.data },
        });
        const ids = new Set<string>();
        let rejected = 0;
        try {
          for (let i = 0; i < JOBS; i += 1) {
            // An enqueue that fails is surfaced as a rejection; the caller then enqueues again.
            for (;;) {
              try {
                ids.add((await faulty.enqueue('work', { i })).job._id.toHexString());
                break;
              } catch (error) {
                expect(error).toBeInstanceOf(ConnectionError);
                rejected += 1;
                if (rejected > 50) throw error;
              }
            }
          }
          let completed = 0;
          await waitForCondition(
            `all ${JOBS} jobs completed`,
            async () => {
              completed = await faulty.collection.countDocuments({ status: 'completed' });
              return completed === JOBS;
            },
            { timeout: 30_000, interval: 50, describe: () => `${completed} completed` },
          );
          // Commands the fault delayed may still be on their way (a blocked claim that found its
          // jobs taken): count them once they have returned.
          await waitForCondition(
            "the faulty client's commands to return",
            () => commands.inFlight() === 0,
            { timeout: 10_000, interval: 10, describe: () => `${commands.inFlight()} in flight` },
          );
        } finally {
          await healthyDb.admin().command({ configureFailPoint: 'failCommand', mode: 'off' });
        }

        const fired =
          fault.data.blockConnection === true
            ? commands.slow.filter(
                ({ name, duration }) => name === fault.command && duration >= HEARTBEAT_INTERVAL,
              ).length
            : commands.failures.filter(({ attempt }) => attempt.name === fault.command).length;
        const unretried = commands.unretried(fault.command);
        const surfaced = errors.length + rejected + streamErrors.length;
        const duplicates = [...runs.values()].filter((labels) => labels.length > 1);
        const lost = [...ids].filter((id) => !runs.has(id)).length;
        await checkScenario(
          test,
          scenario,
          {
            jobs: JOBS,
            duplicates: duplicates.length,
            lost,
            recovery: 'n/a',
            notes:
              `fired ${fired}, not retried by the driver ${unretried}, surfaced ${surfaced} ` +
              `(job:error ${errors.length}, rejected ${rejected}, changestream:error ` +
              `${streamErrors.length})${errors.length > 0 ? `; job:error: ${describeErrors(errors)}` : ''}`,
          },
          () => {
            expect(fired).toBeGreaterThan(0);
            expect(lost).toBe(0);
            expect(duplicates).toEqual([]);
            expect(surfaced).toBeGreaterThanOrEqual(unretried);
            if (fault.mustSurface) expect(surfaced).toBeGreaterThan(0);
            for (const { error } of errors) {
              expect(error).toBeInstanceOf(MonqueError);
            }
            expect(healthyErrors).toEqual([]);
          },
        );
      }, 60_000);
    }
  });
}
