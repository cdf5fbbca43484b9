import type { CommandStartedEvent } from 'mongodb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { JobErrorEvent } from '../../src/events.js';
import { nextEvent, useSchedulerHarness } from '../setup/scheduler-harness.js';

/** A listener's error never changes a job's fate, never crashes, never leaks; it is reported. */
describe('a throwing event listener', () => {
  const harness = useSchedulerHarness('listener_errors');
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };
  beforeEach(() => {
    unhandled.length = 0;
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(() => {
    process.off('unhandledRejection', onUnhandled);
    vi.restoreAllMocks();
  });

  /** The next job:error that reports a listener of `event`. */
  function listenerError(errors: JobErrorEvent[], event: string): JobErrorEvent | undefined {
    return errors.find(
      ({ error }) =>
        error.name === 'ListenerError' && (error as { event?: string }).event === event,
    );
  }

  for (const event of ['job:start', 'job:complete'] as const) {
    for (const style of ['throws', 'rejects'] as const) {
      it(`a ${event} listener that ${style}: the job completes once and the error is reported`, async () => {
        const monque = harness.create({ collectionName: harness.collectionName() });
        const runs: string[] = [];
        monque.worker('work', (job) => {
          runs.push(job._id.toHexString());
        });
        const errors: JobErrorEvent[] = [];
        monque.on('job:error', (reported) => errors.push(reported));
        const bug = new TypeError(`bug in a ${event} listener`);
        monque.on(
          event,
          style === 'throws'
            ? () => {
                throw bug;
              }
            : async () => {
                throw bug;
              },
        );
        const completed = nextEvent(monque, 'job:complete');
        await monque.start();
        const { job } = await monque.enqueue('work', null);
        const [{ job: written }] = await completed;

        await expect
          .poll(() => listenerError(errors, event), { timeout: 2000 })
          .toMatchObject({ error: { cause: bug }, job: { _id: job._id } });
        expect(written._id).toEqual(job._id);
        expect(runs).toEqual([job._id.toHexString()]);
        const stored = await monque.collection.findOne({ _id: job._id });
        expect(stored).toMatchObject({ status: 'completed', failCount: 0, claimedBy: null });
        expect(unhandled).toEqual([]);
      });
    }
  }

  it('a job:fail listener that throws: the retry is scheduled as usual', async () => {
    const monque = harness.create({ collectionName: harness.collectionName(), maxRetries: 2 });
    monque.worker('work', () => {
      throw new Error('handler failed');
    });
    const errors: JobErrorEvent[] = [];
    monque.on('job:error', (reported) => errors.push(reported));
    monque.on('job:fail', () => {
      throw new Error('bug in a job:fail listener');
    });
    await monque.start();
    const { job } = await monque.enqueue('work', null);
    await expect
      .poll(async () => (await monque.collection.findOne({ _id: job._id }))?.status, {
        timeout: 5000,
      })
      .toBe('failed');
    const stored = await monque.collection.findOne({ _id: job._id });
    expect(stored).toMatchObject({ failCount: 2, failReason: 'handler failed' });
    expect(errors.filter(({ error }) => error.name === 'ListenerError')).toHaveLength(2);
    expect(unhandled).toEqual([]);
  });

  it('a changestream:connected listener that throws: one stream, no reconnect, reported', async () => {
    const db = await harness.separateDb({ monitorCommands: true });
    const collectionName = harness.collectionName();
    // The jobs collection's streams (the control collection has one of its own).
    const streamsOpened: CommandStartedEvent[] = [];
    db.client.on('commandStarted', (started) => {
      const [first] = (started.command.pipeline ?? []) as Record<string, unknown>[];
      if (started.command.aggregate !== collectionName) return;
      if (started.commandName === 'aggregate' && first !== undefined && '$changeStream' in first) {
        streamsOpened.push(started);
      }
    });
    const monque = harness.create({ collectionName }, db);
    monque.worker('work', () => {});
    const errors: JobErrorEvent[] = [];
    monque.on('job:error', (reported) => errors.push(reported));
    const streamErrors: Error[] = [];
    monque.on('changestream:error', ({ error }) => streamErrors.push(error));
    monque.on('changestream:connected', () => {
      throw new Error('bug in a changestream:connected listener');
    });
    await monque.start();
    await expect
      .poll(() => listenerError(errors, 'changestream:connected'), { timeout: 5000 })
      .toBeDefined();
    // The stream keeps working: a new job is noticed and run.
    const completed = nextEvent(monque, 'job:complete');
    await monque.enqueue('work', null);
    await completed;
    expect(streamErrors).toEqual([]);
    expect(streamsOpened).toHaveLength(1);
    expect(unhandled).toEqual([]);
  });

  it('a job:error listener that throws is reported as a process warning, not to itself', async () => {
    const emitWarning = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const monque = harness.create({ collectionName: harness.collectionName() });
    let calls = 0;
    monque.on('job:error', () => {
      calls += 1;
      throw new Error('bug in a job:error listener');
    });
    monque.on('job:complete', () => {
      throw new Error('bug in a job:complete listener');
    });
    monque.worker('work', () => {});
    await monque.start();
    await monque.enqueue('work', null);
    await expect
      .poll(() => emitWarning.mock.calls.find(([, options]) => isListenerWarning(options)), {
        timeout: 5000,
      })
      .toEqual([
        expect.stringMatching(/listener of "job:error" threw: bug in a job:error listener/),
        expect.anything(),
      ]);
    expect(calls).toBe(1);
    expect(unhandled).toEqual([]);
  });
});

function isListenerWarning(options: unknown): boolean {
  return (options as { type?: string } | undefined)?.type === 'ListenerError';
}
