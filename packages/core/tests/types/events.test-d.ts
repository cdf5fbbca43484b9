import { describe, expectTypeOf, it } from 'vitest';
import type {
  Job,
  JobCompleteEvent,
  JobErrorEvent,
  JobFailEvent,
  Monque,
} from '../../src/index.js';

// Type tests (run by Vitest's typecheck mode, not executed): the event map exists only as types,
// so what it promises — listeners of a Monque instance get the payloads its documentation lists,
// and a misspelt event or a listener expecting another payload does not compile — is checked
// against the public `Monque` class here.
declare const monque: Monque;

describe('Monque events', () => {
  it('gives each listener the payload of its event', () => {
    monque.on('job:start', (job) => {
      expectTypeOf(job).toEqualTypeOf<Job>();
    });
    monque.on('job:complete', (event) => {
      expectTypeOf(event).toEqualTypeOf<JobCompleteEvent>();
      expectTypeOf(event.duration).toEqualTypeOf<number>();
    });
    monque.on('job:fail', (event) => {
      expectTypeOf(event).toEqualTypeOf<JobFailEvent>();
      expectTypeOf(event.error).toEqualTypeOf<Error>();
      expectTypeOf(event.willRetry).toEqualTypeOf<boolean>();
    });
    monque.on('job:error', (event) => {
      expectTypeOf(event).toEqualTypeOf<JobErrorEvent>();
      expectTypeOf(event.job).toEqualTypeOf<Job | undefined>();
    });
    monque.once('stale:recovered', ({ count }) => {
      expectTypeOf(count).toEqualTypeOf<number>();
    });
    monque.on('changestream:error', ({ error }) => {
      expectTypeOf(error).toEqualTypeOf<Error>();
    });
    monque.on('changestream:fallback', ({ reason }) => {
      expectTypeOf(reason).toEqualTypeOf<string>();
    });
    monque.on('changestream:connected', (...args) => {
      expectTypeOf(args).toEqualTypeOf<[]>();
    });
    monque.on('changestream:closed', (...args) => {
      expectTypeOf(args).toEqualTypeOf<[]>();
    });
  });

  it('rejects an unknown event and a listener that expects another payload', () => {
    // @ts-expect-error: no such event
    monque.on('job:done', () => {});
    // @ts-expect-error: job:start passes the job, not an event object
    monque.on('job:start', (event: JobCompleteEvent) => event.duration);
    // @ts-expect-error: changestream:connected passes nothing
    monque.on('changestream:connected', (reason: string) => reason);
    // @ts-expect-error: stale:recovered passes a count, not a job
    monque.off('stale:recovered', (job: Job) => job.name);
  });
});
